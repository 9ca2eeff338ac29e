package main

import (
	"context"
	"fmt"
	"os"

	"github.com/labd/labd/sandbox/image"
)

func runImage(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "build" && args[0] != "tag") {
		fmt.Fprintln(os.Stderr, "Usage: labd image build [--force] [--mirror URL] [--cache-dir DIR]\n       labd image tag")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return errUsage
	}
	if args[0] == "tag" {
		fmt.Println(image.Tag())
		return nil
	}
	fset := newFlagSet("image build", "", "Build the sandbox image from Debian packages (no registry needed).\nRebuilds only when the recipe changed; the tag carries the recipe's hash.")
	force := fset.Bool("force", false, "rebuild even if the image is up to date")
	mirror := fset.String("mirror", "", "Debian mirror URL (default: the host's apt configuration)")
	cacheDir := fset.String("cache-dir", "/var/cache/labd", "where the debootstrapped base is cached")
	if err := parse(fset, args[1:]); err != nil {
		return err
	}
	tag, err := image.Build(ctx, image.Options{Mirror: *mirror, CacheDir: *cacheDir, Force: *force}, os.Stdout)
	if err != nil {
		return err
	}
	fmt.Println(tag)
	return nil
}
