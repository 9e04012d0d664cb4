/* test_world_stop.c: a thread's state in a stop of the world (world_stop.c) is settled when the stop
 * returns: a thread that answers later goes on, and the scan never sees it change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hpt_format.h"
#include "world_stop.h"

/* What the recorder's signal table does for the stop signal: our handler, nothing to forward to. */
static int claim(int sig, hp_sig_handler *ours, hp_sig_handler **forward)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = ours;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&sa.sa_mask);
	*forward = NULL;
	return sigaction(sig, &sa, NULL);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int phase;       /* 1: the thread blocks the signal and waits; 2: told to unblock it */
static _Atomic uint32_t late_tid;

static void wait_phase(int want)
{
	pthread_mutex_lock(&lock);
	while (phase < want)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
}

static void set_phase(int p)
{
	pthread_mutex_lock(&lock);
	phase = p;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

/* Blocks the stop signal through the stop, then takes it: an answer after the stop gave up on it. */
static void *late(void *arg)
{
	sigset_t stop;

	(void)arg;
	sigemptyset(&stop);
	sigaddset(&stop, SIGRTMAX - 3);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	atomic_store(&late_tid, (uint32_t)syscall(SYS_gettid));
	set_phase(1);
	wait_phase(2);
	pthread_sigmask(SIG_UNBLOCK, &stop, NULL); /* the pending stop signal is taken here */
	return NULL;
}

static void a_late_answer_leaves_the_thread_given_up(void **state)
{
	struct hp_thread_slot *slots;
	pthread_t t;

	(void)state;
	assert_int_equal(hp_world_setup(claim), 0);
	assert_int_equal(pthread_create(&t, NULL, late, NULL), 0);
	wait_phase(1);
	size_t n = hp_world_stop((pid_t)syscall(SYS_gettid), &slots);
	struct hp_thread_slot *mine = NULL;
	for (size_t i = 0; i < n; i++)
		if (atomic_load(&slots[i].tid) == atomic_load(&late_tid))
			mine = &slots[i];
	assert_non_null(mine);
	assert_int_equal(atomic_load(&mine->stopped), HP_SLOT_GIVEN_UP);
	assert_int_equal(mine->unstopped, HPT_UNSTOPPED_BLOCKED);
	/* Before the fix the thread, answering now, marked itself stopped in the middle of the scan
	 * and waited for the resume: the scan had read it neither as stopped nor as running. */
	set_phase(2);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(atomic_load(&mine->stopped), HP_SLOT_GIVEN_UP);
	assert_false(hp_slot_stopped(mine));
	hp_world_resume();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_late_answer_leaves_the_thread_given_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
