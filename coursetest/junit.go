package coursetest

import (
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// The JUnit XML shape CI systems read: one testsuite per lesson, one
// testcase per exercise.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	File     string      `xml:"file,attr,omitempty"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// writeJUnitFile writes the report atomically: a CI job never reads half a file.
func writeJUnitFile(path string, reports []LessonReport) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("coursetest: writing JUnit report: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".junit-*.xml")
	if err != nil {
		return fmt.Errorf("coursetest: writing JUnit report: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := writeJUnit(tmp, reports); err != nil {
		tmp.Close()
		return fmt.Errorf("coursetest: writing JUnit report %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("coursetest: writing JUnit report %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("coursetest: writing JUnit report: %w", err)
	}
	return nil
}

func writeJUnit(w io.Writer, reports []LessonReport) error {
	all := junitSuites{Name: "labd test"}
	var total time.Duration
	for _, lr := range reports {
		s := junitSuite{Name: lr.Slug, File: lr.Path, Time: seconds(lr.Duration)}
		for _, e := range lr.Exercises {
			c := junitCase{Name: e.ID, Classname: e.Lesson, File: e.Path, Line: e.Line, Time: seconds(e.Duration)}
			if !e.Passed() {
				c.Failure = &junitFailure{
					Message: fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Message),
					Type:    string(e.Outcome),
					Text:    e.Output,
				}
				c.SystemOut = e.Output
				s.Failures++
			}
			s.Tests++
			s.Cases = append(s.Cases, c)
		}
		all.Tests += s.Tests
		all.Failures += s.Failures
		total += lr.Duration
		all.Suites = append(all.Suites, s)
	}
	all.Time = seconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(d time.Duration) string {
	return fmt.Sprintf("%.3f", d.Seconds())
}
