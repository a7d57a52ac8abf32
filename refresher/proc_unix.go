//go:build unix

package refresher

import (
	"os/exec"
	"syscall"
	"time"
)

// killGroup makes a cancelled cmd kill its whole process group: a shell
// hook's children would otherwise outlive it, holding its output open.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
}

// endGroup kills what is left of a hook's process group once the hook has
// exited.
func endGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
