/*
 * simctl.c: the client of hmcsim's control socket.
 *
 *   simctl -s SOCKET COMMAND [ARG...]
 *
 * Sends one line (each argument single-quoted, so a state with spaces is
 * one word), prints the answer without its last line, exits 0 on "OK" and
 * 1 on "ERR ...", which goes to stderr.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hmc/hmc.h"

#define ANSWER_MAX (64 * 1024 * 1024)

/* The commands are hmcsim(8)'s CONTROL section; the faults, the most
 * used, in full. */
static const char usage_text[] =
"usage: simctl -s SOCKET COMMAND [ARG...]\n"
"commands: status, dump, show, set-state, fault, endpoint, log,\n"
"  hostkey rotate, time-scale, auto-cleanup, save (hmcsim(8), CONTROL)\n"
"  fault add VERB SYS KIND [ARG] [count=N]   VERB, SYS: a name or '*'\n"
"  fault list | fault del ID | fault clear\n"
"fault kinds:\n"
"  latency MS        answer MS milliseconds late\n"
"  hang              never answer (until deleted or the client leaves)\n"
"  fail HSCLxxxx     answer that error, exit 1, change nothing\n"
"  drop              cut the connection without an answer\n"
"  garbage           unparseable output, exit 0\n"
"  rr-fail HSCLxxxx  a restart fails half way (needs recover)\n"
"  slow [BPS]        write the output at BPS bytes a second (default 1)\n"
"  huge BYTES        output repeated line by line up to BYTES, streamed\n";

/* Append W to LINE as one word, quoted as hmc/ quotes names. */
static int
append_quoted(char *line, size_t cap, size_t *len, const char *w)
{
	char q[HMC_CMD_MAX];
	size_t n;

	if (hmc_shell_quote(w, q, sizeof(q)) != 0)
		return -1;
	n = strlen(q);
	if (*len + n + 2 >= cap)
		return -1;
	if (*len > 0)
		line[(*len)++] = ' ';
	memcpy(line + *len, q, n);
	*len += n;
	return 0;
}

static int
connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Read until the last line is OK or ERR. */
static int
read_answer(int fd, char **out, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap), *last;
	ssize_t r;

	while (buf != NULL) {
		if (n + 1 >= cap) {
			char *nb = cap < ANSWER_MAX ? realloc(buf, cap * 2) : NULL;

			if (nb == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r <= 0)
			break;
		n += (size_t)r;
		buf[n] = '\0';
		if (n == 0 || buf[n - 1] != '\n')
			continue;
		buf[n - 1] = '\0';
		last = strrchr(buf, '\n');
		last = last ? last + 1 : buf;
		buf[n - 1] = '\n';
		if (strncmp(last, "OK\n", 3) == 0 || strncmp(last, "ERR", 3) == 0) {
			*out = buf;
			*len = n;
			return (int)(last - buf);
		}
	}
	free(buf);
	return -1;
}

int
main(int argc, char **argv)
{
	static char line[8192];
	size_t len = 0, alen;
	char *ans;
	int fd, i, last;

	if (argc < 4 || strcmp(argv[1], "-s") != 0) {
		fputs(usage_text, stderr);
		return 2;
	}
	for (i = 3; i < argc; i++)
		if (append_quoted(line, sizeof(line) - 1, &len, argv[i]) != 0) {
			fprintf(stderr, "simctl: command too long\n");
			return 2;
		}
	line[len++] = '\n';
	fd = connect_to(argv[2]);
	if (fd < 0) {
		perror("simctl: connect");
		return 2;
	}
	if (write(fd, line, len) != (ssize_t)len ||
	    (last = read_answer(fd, &ans, &alen)) < 0) {
		fprintf(stderr, "simctl: no answer from %s\n", argv[2]);
		close(fd);
		return 2;
	}
	close(fd);
	fwrite(ans, 1, (size_t)last, stdout);
	if (strncmp(ans + last, "OK", 2) == 0) {
		free(ans);
		return 0;
	}
	fputs(ans + last, stderr);
	free(ans);
	return 1;
}
