// Package content is labd's built-in course: one folder per lesson
// ("01-chroot/lesson.md" plus optional files/), embedded in the binary.
// README.md in this folder is the authors' guide to the lesson format.
package content

import (
	"embed"
	"io/fs"
)

// The all: prefix keeps dotfiles and _files inside lesson folders (a
// lesson's files/.dockerignore must reach the sandbox too).
//
//go:embed all:[0-9][0-9]-*
var embedded embed.FS

// FS is the course: lesson folders at its root, as lessons.Load expects.
var FS fs.FS = embedded
