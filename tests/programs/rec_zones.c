/* rec_zones.c: every tagging macro, nested, in the main thread and one more thread.
 *
 * Per thread, ROUNDS times:
 *   outer()            HP_FUNC
 *     HP_ZONE("middle")
 *       hp_begin("explicit") ... hp_end()
 *         HP_COUNT("items", k) for k = 1..ITEMS   (sum per round ITEMS*(ITEMS+1)/2)
 *         HP_MARK("tick")                        once per item
 *   HP_COUNT("negative", -3)                      once per round
 */
#include <hookprof.h>
#include <pthread.h>
#include <stdio.h>

#define ROUNDS 40
#define ITEMS 5

static volatile long work;

__attribute__((noinline)) static void outer(void)
{
	HP_FUNC();
	{
		HP_ZONE("middle");
		hp_begin("explicit");
		for (int k = 1; k <= ITEMS; k++) {
			HP_COUNT("items", k);
			HP_MARK("tick");
			work += k;
		}
		hp_end();
	}
}

static void *run(void *arg)
{
	(void)arg;
	for (int r = 0; r < ROUNDS; r++) {
		outer();
		HP_COUNT("negative", -3);
	}
	return NULL;
}

int main(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, run, NULL))
		return 1;
	run(NULL);
	pthread_join(t, NULL);
	printf("work %ld\n", work);
	return 0;
}
