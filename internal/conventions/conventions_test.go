// Copyright The otelcol-personalize Authors
// SPDX-License-Identifier: Apache-2.0

package conventions

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const module = "github.com/personalize-audit/otelcol-personalize"

var packageClause = regexp.MustCompile(`^package (\w+)(?:\s*// import "([^"]+)")?\s*$`)

// TestSourceFileConventions walks the module from its root: every .go and .s
// file starts with the SPDX header, and every package clause of a non-test
// file of a library package carries the import comment of its directory.
func TestSourceFileConventions(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			// build/ holds ocb's generated distribution; .tools and dot
			// directories are not ours; testdata is not Go source.
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "build" || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, ".s") {
			return nil
		}
		checked++
		checkFile(t, root, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("checked %d files: the walk did not find the module", checked)
	}
}

func checkFile(t *testing.T, root, rel string) {
	f, err := os.Open(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var head []string
	for sc.Scan() {
		line := sc.Text()
		if m := packageClause.FindStringSubmatch(line); m != nil {
			checkClause(t, rel, m[1], m[2])
			break
		}
		if len(head) < 6 {
			head = append(head, line)
		}
	}
	hdr := strings.Join(head, "\n")
	// Generated files keep "// Code generated ... DO NOT EDIT." as their
	// first line, as go/build requires; the header follows it.
	if strings.HasPrefix(hdr, "// Code generated ") {
		_, hdr, _ = strings.Cut(hdr, "\n\n")
	}
	if !strings.HasPrefix(hdr, "// Copyright The otelcol-personalize Authors\n// SPDX-License-Identifier: Apache-2.0\n") {
		t.Errorf("%s: no SPDX license header at the top", rel)
	}
}

func checkClause(t *testing.T, rel, name, importPath string) {
	if strings.HasSuffix(rel, "_test.go") || name == "main" {
		if importPath != "" && strings.HasSuffix(name, "_test") {
			t.Errorf("%s: an external test package takes no import comment", rel)
		}
		return
	}
	want := module
	if dir := filepath.ToSlash(filepath.Dir(rel)); dir != "." {
		want += "/" + dir
	}
	if importPath != want {
		t.Errorf("%s: package clause wants // import %q, has %q", rel, want, importPath)
	}
}
