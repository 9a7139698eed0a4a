package lab

import (
	"errors"
	"os"
)

var errWindows = errors.New("umctl lab needs Linux: it runs a Samba AD domain controller (use WSL or a Linux machine, and point umctl on Windows at it with --server)")

func supported() error { return errWindows }

func lockFile(*os.File) error { return errWindows }

func alive(int) bool { return false }

func terminate(int) {}

func kill(int) {}
