/*
 * conf_util.h: what the configuration tests share: a scratch directory
 * holding the files a configuration names (keys, known_hosts, agents), and
 * fixtures written into it with @DIR@ replaced.
 */
#ifndef SRR_CONF_UTIL_H
#define SRR_CONF_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/srrd_conf.h"

/* The scratch directory (mkdtemp), with id (0600), id2 (0400), id_open
 * (0644), id_rsa (0600, the sample's), known_hosts (0644), known_hosts2 (0600), kh_open (0666),
 * alert.sh (0755), alert2.sh (0700), notexec (0644). */
extern char conf_dir[64];
int conf_dir_make(void);
void conf_dir_remove(void);
/* cmocka group setup and teardown: the scratch directory. */
int conf_group_setup(void **state);
int conf_group_teardown(void **state);

/* SRCDIR/REL (the tests' source directory, as make check sets it). */
void conf_src_path(const char *rel, char *out, size_t len);
char *conf_read_text(const char *path);	/* malloc'd, NULL: errno */
/* TEXT with every FROM replaced by TO, malloc'd. */
char *conf_subst(const char *text, const char *from, const char *to);
/* The scratch directory and the build's configuration directory back to
 * @DIR@ and @SYSCONFDIR@, in place. */
void conf_normalise(char *s, size_t size);

/* Writes TEXT (@DIR@ replaced) to the scratch directory as NAME and loads
 * it; ERR normalised. */
int conf_load_text(const char *name, const char *text, struct srrd_conf *c,
		   char *err, size_t errlen);
/* The canonical print (or, LOCAL false, what the digest hashes),
 * normalised, malloc'd. */
char *conf_print_text(const struct srrd_conf *c, bool local);
/* Equal, or both printed as TAP comments with the first differing line. */
bool conf_golden_same(const char *what, const char *got, const char *want);
/* Same configuration, field by field (the file name aside). */
bool conf_equal(const struct srrd_conf *a, const struct srrd_conf *b);

#endif /* SRR_CONF_UTIL_H */
