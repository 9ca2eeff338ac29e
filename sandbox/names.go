package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Labels on every container, volume and network labd creates. State lives
// only in the engine: after a restart labd finds its sandboxes by these.
const (
	labelManaged = "labd.managed" // value: Config.Prefix, so test runs don't see each other
	labelOwner   = "labd.owner"   // the raw owner (user name), unsanitized
	labelCreated = "labd.created" // RFC 3339
	labelProfile = "labd.profile" // security profile name, "full" or "no-sys-resource"
)

// maxOwnerPart bounds the readable part of a name; the hash keeps it unique.
const maxOwnerPart = 32

// sanitizeOwner maps an owner to [a-z0-9-]: lower-cased, other runs become
// one dash, no leading/trailing dash, at most maxOwnerPart long.
func sanitizeOwner(owner string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(owner) {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
		if ok {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= maxOwnerPart {
			break
		}
	}
	s := b.String()
	if len(s) > maxOwnerPart {
		s = s[:maxOwnerPart]
	}
	return strings.Trim(s, "-")
}

// ownerHash is a short hash of the raw owner: "Bob" and "bob" (or "a.b" and
// "a-b") sanitize alike but must not share a sandbox.
func ownerHash(owner string) string {
	sum := sha256.Sum256([]byte(owner))
	return hex.EncodeToString(sum[:4])
}

// containerName is "<prefix>-<sanitized owner>-<hash>", or
// "<prefix>-<hash>" when nothing of the owner survives sanitizing.
func containerName(prefix, owner string) string {
	if s := sanitizeOwner(owner); s != "" {
		return prefix + "-" + s + "-" + ownerHash(owner)
	}
	return prefix + "-" + ownerHash(owner)
}

// volumeName holds the sandbox's inner /var/lib/docker.
func volumeName(prefix, owner string) string { return containerName(prefix, owner) + "-docker" }

// networkName is the one bridge network all of a prefix's sandboxes share.
func networkName(prefix string) string { return prefix + "-net" }
