/* did_you_mean.c: the subcommand a mistyped command name was meant to be. */
#include <string.h>

#include "common/commands.h"
#include "launcher/launcher.h"

#define MAX_WORD 64

/* The edit distance of two words: insertions, deletions, substitutions, and swaps of two neighbours. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[MAX_WORD + 1][MAX_WORD + 1];

	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + (a[i - 1] != b[j - 1]) < best)
				best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

/* At most two edits away, or a prefix of it; said when the word is no command either. */
const char *hl_near_subcommand(const char *word)
{
#define COMMAND_NAME(name, help) #name,
	static const char *const subs[] = {HP_ANALYZE_COMMANDS(COMMAND_NAME) "record", "snapshot"};
#undef COMMAND_NAME
	const char *best = NULL;
	size_t best_d = 3, len = strlen(word);

	if (len < 2 || len > MAX_WORD)
		return NULL;
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		size_t sublen = strlen(subs[i]);
		size_t d = strncmp(subs[i], word, len) == 0 ? 0 : edit_distance(word, subs[i]);
		if (d < best_d && d + 1 < sublen) {
			best = subs[i];
			best_d = d;
		}
	}
	return best;
}
