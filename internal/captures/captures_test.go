package captures

import (
	"bytes"
	"path/filepath"
	"testing"
)

func TestParseAll(t *testing.T) {
	files, err := Files()
	if err != nil || len(files) < 28 {
		t.Fatalf("%d transcripts, %v", len(files), err)
	}
	for _, f := range files {
		conns, err := Load(f)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		server := 0
		for _, c := range conns {
			server += len(c.Server())
		}
		if len(conns) == 0 || server == 0 {
			t.Errorf("%s: %d connections, %d server bytes", filepath.Base(f), len(conns), server)
		}
	}
}

func TestStreamsSplitsRestarts(t *testing.T) {
	in := []byte(`<?xml version='1.0'?><stream:stream a='1'><proceed/><?xml version='1.0'?><stream:stream a='2'><success/><stream:stream a='3'>`)
	got := Streams(in)
	if len(got) != 3 || !bytes.HasSuffix(got[0], []byte("<proceed/>")) || !bytes.HasPrefix(got[2], []byte("<stream:stream a='3'>")) {
		t.Fatalf("%q", got)
	}
}
