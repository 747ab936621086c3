/*
 * hmc_test_rand.h: seeded random text for the hmc unit tests, the same
 * sequence on every machine so that a failing case reproduces.
 */
#ifndef SRR_HMC_TEST_RAND_H
#define SRR_HMC_TEST_RAND_H

#include <stdint.h>
#include <string.h>

/* xorshift32 */
static inline uint32_t
test_rng(uint32_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 17;
	*st ^= *st << 5;
	return *st;
}

/* Up to MAXLEN pieces into S (CAP bytes): half from SPECIAL (the characters
 * that matter to the code under test), some UTF-8, the rest any printable
 * ASCII. Never a control character. */
static inline void
test_random_text(uint32_t *st, const char *special, size_t maxlen, char *s,
		 size_t cap)
{
	static const char *const utf8[] = { "\xc3\xa9", "\xe6\x97\xa5",
					    "\xf0\x9f\x92\xa5" };
	size_t n = test_rng(st) % (maxlen + 1), k = 0, nspecial = strlen(special);

	while (n-- > 0 && k + 5 < cap) {
		uint32_t r = test_rng(st) % 8;

		if (r < 4) {
			s[k++] = special[test_rng(st) % nspecial];
		} else if (r < 5) {
			const char *u = utf8[test_rng(st) % 3];

			memcpy(s + k, u, strlen(u));
			k += strlen(u);
		} else {
			s[k++] = (char)(0x20 + test_rng(st) % 0x5f);
		}
	}
	s[k] = '\0';
}

#endif /* SRR_HMC_TEST_RAND_H */
