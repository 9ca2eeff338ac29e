package image

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
)

// recipe holds the Dockerfile and the small files it copies in.
//
//go:embed recipe/*
var recipe embed.FS

// baseRecipe says how the base root filesystem is made. It is hashed apart
// from the Dockerfile so that a Dockerfile change reuses the cached
// debootstrap tarball.
type baseRecipe struct {
	Suite   string
	Variant string
	Include []string // extra packages for debootstrap --include
}

var base = baseRecipe{Suite: "bookworm", Variant: "minbase"}

// Repository names of the images Build makes.
const (
	sandboxRepo = "labd-sandbox"
	baseRepo    = "labd-base"
	// rootfsName is the base tarball's name inside the build context and in
	// /opt/labd/rootfs (see recipe/images.json).
	rootfsName = "debian-bookworm-slim.tar"
)

// Tag is the sandbox image's tag: labd-sandbox:<12 hex digits of the
// recipe's hash>. Any change to the recipe gives a new tag.
func Tag() string { return sandboxRepo + ":" + recipeHash() }

// BaseTag is the tag of the imported debootstrap base image.
func BaseTag() string { return baseRepo + ":" + base.Suite + "-" + base.hash() }

func (b baseRecipe) String() string {
	return fmt.Sprintf("suite=%s variant=%s include=%s", b.Suite, b.Variant, strings.Join(b.Include, ","))
}

func (b baseRecipe) hash() string { return shortHash([]byte(b.String())) }

// recipeHash covers every embedded recipe file (name and content) and the
// base recipe.
func recipeHash() string {
	h := sha256.New()
	hashEmbedded(h, recipe, "recipe/", recipeFiles())
	fmt.Fprintf(h, "base %s\n", base)
	// The Kubernetes layer's own recipe (kubernetes.go): its scratch module
	// and versions; the Go toolchain's version only keys the binaries' cache.
	hashEmbedded(h, kubernetesRecipe, "", kubernetesRecipeFiles())
	fmt.Fprintf(h, "kubernetes %s coredns %s pause %s\n", kubernetesVersion, corednsVersion, pauseRef)
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// recipeFiles lists the embedded recipe files' names, sorted.
func recipeFiles() []string {
	entries, err := fs.ReadDir(recipe, "recipe")
	if err != nil {
		panic(fmt.Sprintf("image: embedded recipe: %v", err))
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// hashEmbedded writes each named file of fsys (read at dir+name) into h as
// "name size\n" and its content.
func hashEmbedded(h io.Writer, fsys embed.FS, dir string, names []string) {
	for _, name := range names {
		data, err := fsys.ReadFile(dir + name)
		if err != nil {
			panic(fmt.Sprintf("image: embedded file %s: %v", dir+name, err))
		}
		fmt.Fprintf(h, "%s %d\n", name, len(data))
		h.Write(data)
	}
}

func shortHash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])[:12]
}
