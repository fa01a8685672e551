package gojinn

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gojinn/gojinn/sandbox"
)

// crashSummary is a crash record as GET /gojinn/crashes lists it.
type crashSummary struct {
	ID           string          `json:"id"`
	Time         time.Time       `json:"time"`
	Handler      string          `json:"handler"`
	Outcome      sandbox.Outcome `json:"outcome"`
	Reason       string          `json:"reason"`
	ModuleSHA256 string          `json:"module_sha256"`
	// Replay is the command that replays the record: `gojinn replay
	// <record> <module>`.
	Replay string `json:"replay"`
}

// summary is r's summary; dir is where r is written.
func (r *crashRecord) summary(dir string) crashSummary {
	return crashSummary{
		ID:           r.ID,
		Time:         r.Time,
		Handler:      r.Handler,
		Outcome:      r.Outcome,
		Reason:       r.Reason,
		ModuleSHA256: r.ModuleSHA256,
		Replay:       "gojinn replay " + shellQuote(filepath.Join(dir, r.ID+".json")) + " " + shellQuote(r.Module),
	}
}

// recentCrashes returns the newest records of every open directory,
// newest first, at most limit.
func recentCrashes(limit int) []crashSummary {
	out := []crashSummary{}
	if limit <= 0 {
		return out
	}
	type ref struct {
		dir  *crashDir
		name string
	}
	var refs []ref
	liveCrashDirs.Lock()
	for _, d := range liveCrashDirs.m {
		d.mu.Lock()
		for _, e := range d.entries[max(0, len(d.entries)-limit):] {
			refs = append(refs, ref{d, e.name})
		}
		d.mu.Unlock()
	}
	liveCrashDirs.Unlock()
	slices.SortFunc(refs, func(a, b ref) int { return strings.Compare(b.name, a.name) })
	for _, r := range refs {
		if len(out) == limit {
			break
		}
		if s, ok := r.dir.summaryOf(r.name); ok {
			out = append(out, s)
		}
	}
	return out
}

// summaryOf returns the summary of the record name, reading it once if it
// was written by an earlier process; false if it is gone or unreadable.
func (d *crashDir) summaryOf(name string) (crashSummary, bool) {
	d.mu.Lock()
	i, found := d.find(name)
	if !found {
		d.mu.Unlock()
		return crashSummary{}, false
	}
	if s := d.entries[i].summary; s != nil {
		d.mu.Unlock()
		return *s, true
	}
	d.mu.Unlock()
	b, err := os.ReadFile(filepath.Join(d.path, name))
	if err != nil {
		return crashSummary{}, false
	}
	var r crashRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return crashSummary{}, false
	}
	s := r.summary(d.path)
	d.mu.Lock()
	if i, found := d.find(name); found {
		d.entries[i].summary = &s
	}
	d.mu.Unlock()
	return s, true
}

// crashByID returns the record id from whichever open directory has it.
func crashByID(id string) (json.RawMessage, bool) {
	if !crashIDPattern.MatchString(id) {
		return nil, false
	}
	liveCrashDirs.Lock()
	dirs := make([]*crashDir, 0, len(liveCrashDirs.m))
	for _, d := range liveCrashDirs.m {
		dirs = append(dirs, d)
	}
	liveCrashDirs.Unlock()
	for _, d := range dirs {
		d.mu.Lock()
		_, found := d.find(id + ".json")
		d.mu.Unlock()
		if !found {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(d.path, id+".json")); err == nil {
			return b, true
		}
	}
	return nil, false
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=+,@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
