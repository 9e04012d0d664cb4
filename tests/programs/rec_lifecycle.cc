// rec_lifecycle.cc: allocations outside main: a constructor, a static object's constructor and
// destructor, a destructor function, an atexit handler, and thread_local destructors of the main
// thread and of a second thread. Each uses its own size (below); every block is freed at once.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <pthread.h>

enum {
	CTOR_SIZE = 1111,        // __attribute__((constructor))
	STATIC_CTOR_SIZE = 1112, // static object's constructor
	MAIN_SIZE = 1113,        // main itself
	TLS_MAIN_SIZE = 1114,    // thread_local destructor, main thread (runs in exit())
	TLS_THREAD_SIZE = 1115,  // thread_local destructor, second thread (runs at its exit)
	ATEXIT_SIZE = 1116,      // atexit handler
	STATIC_DTOR_SIZE = 1117, // static object's destructor
	DTOR_SIZE = 1118,        // __attribute__((destructor))
};

__attribute__((noinline)) static void alloc_free(size_t size)
{
	void *p = malloc(size);
	if (p)
		memset(p, 1, 16);
	__asm__ volatile("" : : "r"(p) : "memory");
	free(p);
}

__attribute__((constructor)) static void ctor() { alloc_free(CTOR_SIZE); }
__attribute__((destructor)) static void dtor() { alloc_free(DTOR_SIZE); }

struct Static {
	Static() { alloc_free(STATIC_CTOR_SIZE); }
	~Static() { alloc_free(STATIC_DTOR_SIZE); }
};
static Static static_object;

struct Tls {
	size_t size = 0;
	~Tls()
	{
		if (size)
			alloc_free(size);
	}
};
static thread_local Tls tls;

static void at_exit() { alloc_free(ATEXIT_SIZE); }

static void *thread_main(void *)
{
	tls.size = TLS_THREAD_SIZE;
	return nullptr;
}

int main()
{
	pthread_t t;

	std::atexit(at_exit);
	tls.size = TLS_MAIN_SIZE;
	alloc_free(MAIN_SIZE);
	if (pthread_create(&t, nullptr, thread_main, nullptr) || pthread_join(t, nullptr))
		return 1;
	std::printf("main done\n");
	return 0;
}
