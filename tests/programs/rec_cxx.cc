// rec_cxx.cc: operator new/delete and new[]/delete[], LOOPS times each, between two marker mallocs.
//
// Per loop: new Obj (sizeof(Obj) = 40), new char[CHARS], new Dtor[DTORS] (a class with a destructor:
// the array carries an 8-byte count in front, so DTORS * 16 + 8 bytes), new int (4 bytes); each deleted
// with the matching operator.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#define LOOPS 25
#define CHARS 333
#define DTORS 10
#define MARK_BEGIN 7770001
#define MARK_END 7770002

struct Obj {
	long v[5];
};
static_assert(sizeof(Obj) == 40, "Obj is 40 bytes");

struct Dtor {
	long a, b;
	~Dtor() { __asm__ volatile("" : : "r"(this) : "memory"); }
};
static_assert(sizeof(Dtor) == 16, "Dtor is 16 bytes");

__attribute__((noinline)) static void use(void *p, size_t n)
{
	if (p && n)
		memset(p, 3, n);
	__asm__ volatile("" : : "r"(p) : "memory");
}

static void marker(size_t size)
{
	void *p = malloc(size);
	use(p, 1);
	free(p);
}

int main()
{
	long sum = 0;

	std::printf("rec_cxx\n");
	std::fflush(stdout);
	marker(MARK_BEGIN);
	for (int i = 0; i < LOOPS; i++) {
		Obj *o = new Obj();
		use(o, sizeof(*o));
		char *c = new char[CHARS];
		use(c, CHARS);
		Dtor *d = new Dtor[DTORS];
		use(d, sizeof(Dtor) * DTORS);
		int *n = new int(i);
		use(n, 0);
		sum += *n + o->v[0] + c[0] + d[0].a;
		delete n;
		delete[] d;
		delete[] c;
		delete o;
	}
	marker(MARK_END);
	std::printf("sum %ld\n", sum);
	return 0;
}
