/* stack_unwind.h: captures the calling stack, by libunwind or by frame pointers. */
#ifndef HP_STACK_UNWIND_H
#define HP_STACK_UNWIND_H

#include "recorder.h"

/* hp_stack_unwind (unwind and intern, for the event path) is declared in event_path.h. */

/* Unwinds once, outside any event, so that libunwind sets itself up (and allocates) at start rather
 * than inside the program's first recorded call. */
void hp_stack_unwind_warm(void) HP_HIDDEN;

#endif
