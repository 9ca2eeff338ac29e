package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"golang.org/x/crypto/bcrypt"

	"github.com/labd/labd/store"
)

const userUsage = `Usage:
  labd user add [--admin] [--data-dir DIR] NAME      create an account (prints a generated password, or reads one from stdin with --password-stdin)
  labd user list [--data-dir DIR]                    list accounts
  labd user reset-password [--data-dir DIR] NAME     set a new password (printed, or from stdin)`

func runUser(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(os.Stderr, userUsage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	sub := args[0]
	fset := newFlagSet("user "+sub, "NAME", userUsage)
	dataDir := fset.String("data-dir", "data", "directory holding labd.db")
	admin := fset.Bool("admin", false, "the account can see the instructor pages (add only)")
	fromStdin := fset.Bool("password-stdin", false, "read the password from the first line of stdin instead of generating one")
	if err := parse(fset, args[1:]); err != nil {
		return err
	}
	// `labd user add teacher --admin`: flags may follow the name too.
	if fset.NArg() > 1 {
		name := fset.Arg(0)
		if err := fset.Parse(fset.Args()[1:]); err != nil {
			return err
		}
		if fset.NArg() != 0 {
			fmt.Fprintln(os.Stderr, userUsage)
			return errUsage
		}
		if err := fset.Parse([]string{name}); err != nil {
			return err
		}
	}
	st, err := store.Open(ctx, filepath.Join(*dataDir, "labd.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "list":
		return listUsers(ctx, st)
	case "add", "reset-password":
		if fset.NArg() != 1 {
			fmt.Fprintln(os.Stderr, userUsage)
			return errUsage
		}
		return setUser(ctx, st, sub, fset.Arg(0), *admin, *fromStdin)
	}
	fmt.Fprintln(os.Stderr, userUsage)
	return errUsage
}

func setUser(ctx context.Context, st *store.Store, sub, name string, admin, fromStdin bool) error {
	password, generated, err := choosePassword(fromStdin)
	if err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	if sub == "add" {
		if _, err := st.CreateUser(ctx, name, string(hash), admin); err != nil {
			if errors.Is(err, store.ErrExists) {
				return fmt.Errorf("user %q already exists (labd user reset-password %s)", name, name)
			}
			return err
		}
	} else {
		u, err := st.UserByName(ctx, name)
		if err != nil {
			return fmt.Errorf("user %q: %w", name, err)
		}
		if err := st.SetPassword(ctx, u.ID, string(hash)); err != nil {
			return err
		}
	}
	if generated {
		fmt.Printf("%s's password: %s\n", name, password)
	} else {
		fmt.Printf("password set for %s\n", name)
	}
	return nil
}

func choosePassword(fromStdin bool) (password string, generated bool, err error) {
	if !fromStdin {
		b := make([]byte, 12)
		if _, err := rand.Read(b); err != nil {
			return "", false, err
		}
		return base64.RawURLEncoding.EncodeToString(b), true, nil
	}
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if len(line) < 8 {
		return "", false, fmt.Errorf("password from stdin: at least 8 characters needed (read %d)", len(line))
	}
	return line, false, nil
}

func listUsers(ctx context.Context, st *store.Store) error {
	users, err := st.Users(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tADMIN\tCREATED")
	for _, u := range users {
		fmt.Fprintf(tw, "%d\t%s\t%v\t%s\n", u.ID, u.Name, u.Admin, u.Created.Format("2006-01-02 15:04"))
	}
	return tw.Flush()
}
