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
