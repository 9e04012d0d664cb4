/* proc_stat.h: a process's line of /proc/PID/stat, past its command name: whether it still runs. Used
 * by the analyzer (status, top) and the launcher (processes that outlive the program). */
#ifndef HP_COMMON_PROC_STAT_H
#define HP_COMMON_PROC_STAT_H

#include <stdbool.h>
#include <stddef.h>

/* The fields of /proc/PID/stat from the third on (the state letter first), in buf; NULL when the
 * process is gone or the line cannot be read. */
const char *hp_proc_stat_fields(unsigned pid, char *buf, size_t size);

/* Whether a state letter is a process's that has ended: a zombie, or dead. */
static inline bool hp_proc_state_ended(char state)
{
	return state == 'Z' || state == 'X' || state == 'x';
}

#endif
