// Package web holds labd's browser side: html/template pages, CSS and
// JavaScript modules, embedded in the binary. xterm.js is fetched with npm
// into static/vendor (make assets; not committed); the embed works without
// it, the terminal pane then stays empty.
package web

import "embed"

// FS holds templates/ and static/. "all:" also embeds files whose names
// start with "." or "_", which npm packages may ship in static/vendor.
//
//go:embed templates all:static
var FS embed.FS
