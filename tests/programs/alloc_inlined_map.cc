/* alloc_inlined_map.cc: a std::map filled in an always-inlined helper, for the inline chains of frames.
 *
 * fill() is inlined into main; the map's nodes are allocated deep in libstdc++'s inlined templates,
 * so one return address expands into several inline levels (allocator, map, fill) ending in main.
 * The map is leaked on purpose (new'd, never deleted), so the leak report shows the same chain.
 * Built with -O1 like every test program: the templates are inlined into fill, fill into main.
 */
#include <map>

#define MAP_ENTRIES 5

static inline __attribute__((always_inline)) void fill(std::map<int, long> *m)
{
	for (int i = 0; i < MAP_ENTRIES; i++)
		(*m)[i] = i * 3L;
}

int main(void)
{
	std::map<int, long> *m = new std::map<int, long>;
	fill(m);
	__asm__ volatile("" : : "r"(m) : "memory");
	return 0;
}
