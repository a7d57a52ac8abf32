//go:build !unix

package refresher

import (
	"os/exec"
	"time"
)

// killGroup: without process groups, the hook alone is killed.
func killGroup(cmd *exec.Cmd) { cmd.WaitDelay = time.Second }

// endGroup: without process groups, a hook's children are left alone.
func endGroup(*exec.Cmd) {}
