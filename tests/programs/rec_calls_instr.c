/* rec_calls_instr.c: built with -finstrument-functions. main calls alpha() ALPHA times, each alpha
 * calls beta() BETA times, each beta calls gamma() GAMMA times. Entries = exits per function:
 * main 1, alpha ALPHA, beta ALPHA*BETA, gamma ALPHA*BETA*GAMMA. */
#include <stdio.h>

#define ALPHA 10
#define BETA 3
#define GAMMA 4

static volatile long acc;

__attribute__((noinline)) void gamma_fn(int k);
__attribute__((noinline)) void beta_fn(int k);
__attribute__((noinline)) void alpha_fn(int k);

__attribute__((noinline)) void gamma_fn(int k)
{
	acc += k;
}

__attribute__((noinline)) void beta_fn(int k)
{
	for (int i = 0; i < GAMMA; i++)
		gamma_fn(k + i);
}

__attribute__((noinline)) void alpha_fn(int k)
{
	for (int i = 0; i < BETA; i++)
		beta_fn(k * i);
}

int main(void)
{
	for (int i = 0; i < ALPHA; i++)
		alpha_fn(i);
	printf("acc %ld\n", acc);
	return 0;
}
