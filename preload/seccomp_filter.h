/* seccomp_filter.h: whether a seccomp filter the program installs lets the recorder's system calls through. */
#ifndef HP_SECCOMP_FILTER_H
#define HP_SECCOMP_FILTER_H

#include <linux/filter.h>
#include <stdbool.h>

#include "recorder.h"

/* True when prog (a classic BPF seccomp program, as the kernel takes it) lets every system call the
 * recorder makes through, or fails with an error one whose failure the recorder handles, whatever
 * their arguments (judged at all zero and all ones): then recording goes on under it. False when it
 * kills, traps or hands elsewhere any of them, or fails one the recorder cannot do without, and for a
 * program this cannot follow (an unknown instruction, a jump or a load out of bounds): then
 * recording stops first. */
bool hp_seccomp_allows_recorder(const struct sock_fprog *prog) HP_HIDDEN;

#endif
