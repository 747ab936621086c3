/*
 * fence_meta.c: the three descriptions of fence_srr's parameters, all from
 * the one table in fence_opts.c: the XML metadata pacemaker-fenced reads
 * (fence-agents' schema, metadata.rng), the --help text and the man page.
 */
#include "config.h"

#include <string.h>

#include "fence_srr.h"

static const char shortdesc[] =
	"Fence agent for IBM Power partitions that knows about remote restarts";

static const char longdesc[] =
	"fence_srr fences an IBM Power partition (LPAR) through its HMC, like "
	"fence_lpar, and finds where the partition really is: it reads every "
	"definition of the partition on the candidate managed systems. The copy "
	"that may run is the one on an Operating system whose state is on "
	"(partition state Error included: the HMC calls it running but needing "
	"attention), or the one a PowerVM Simplified Remote Restart made "
	"(remote_restart_status tells which side is stale). status is ON if any "
	"copy may run, OFF only when every copy is provably not running (its "
	"system Operating and the partition Not Activated, or its system in a "
	"definite down state: Power Off, Error, Error - Terminated, Error - Dump "
	"in progress), and UNKNOWN when a copy sits on a system in an ambiguous "
	"state (No Connection, Initializing, Power Off In Progress, ...) or a "
	"remote restart is in progress (Source Remote Restarting, Destination "
	"Remote Restarting, Destination Remote Restarted, or a status fence_srr "
	"does not know), whatever its system's state. With systems= set, it must "
	"list every system the partition may be restarted to: monitor and "
	"validate-all warn when it cannot. off shuts the running copy down on the "
	"right system; a copy on a dead system counts as off without a command; "
	"an ambiguous copy makes off fail with the reason. on starts the "
	"definition that should run (the destination's after a remote restart) "
	"with its current profile.";

static const char *const actions[] = { "on", "off", "reboot", "status",
	"list", "list-status", "monitor", "metadata", "manpage",
	"validate-all", NULL };

static const char *const ptype_names[] = { [PT_STRING] = "string",
	[PT_BOOL] = "boolean", [PT_SECOND] = "second",
	[PT_INTEGER] = "integer", [PT_SELECT] = "select" };

static void
xml_escaped(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&apos;", fp); break;
		default: fputc(*s, fp);
		}
	}
}

/* "-a, --ip=[ip]", "--ip2=[ip]", "-x, --ssh" */
static void
getopt_mixed(char *out, size_t outlen, const struct fence_param *p)
{
	char lname[64];

	fence_param_longopt((enum fence_pid)(p - fence_params), lname, sizeof(lname));
	if (p->shortopt != 0)
		snprintf(out, outlen, "-%c, --%s%s%s", p->shortopt, lname,
			 p->argname != NULL ? "=" : "",
			 p->argname != NULL ? p->argname : "");
	else
		snprintf(out, outlen, "--%s%s%s", lname,
			 p->argname != NULL ? "=" : "",
			 p->argname != NULL ? p->argname : "");
}

static const char *
alias_of(enum fence_pid pid)
{
	size_t i;

	for (i = 0; i < fence_n_aliases; i++)
		if (fence_aliases[i].pid == pid)
			return fence_aliases[i].old;
	return NULL;
}

static void
meta_param(FILE *fp, enum fence_pid pid, const char *name, const char *attr,
	   const char *attrval)
{
	const struct fence_param *p = &fence_params[pid];
	char mixed[128];
	size_t i;

	getopt_mixed(mixed, sizeof(mixed), p);
	fprintf(fp, "\t<parameter name=\"%s\" unique=\"0\" required=\"%d\"",
		name, p->required);
	if (attr != NULL)
		fprintf(fp, " %s=\"%s\"", attr, attrval);
	fputs(">\n\t\t<getopt mixed=\"", fp);
	xml_escaped(fp, mixed);
	fprintf(fp, "\" />\n\t\t<content type=\"%s\"", ptype_names[p->type]);
	if (p->def != NULL) {
		fputs(" default=\"", fp);
		xml_escaped(fp, p->def);
		fputc('"', fp);
	}
	if (p->type == PT_SELECT) {
		fputs(" >\n", fp);
		for (i = 0; p->choices[i] != NULL; i++)
			fprintf(fp, "\t\t\t<option value=\"%s\" />\n", p->choices[i]);
		fputs("\t\t</content>\n", fp);
	} else {
		fputs(" />\n", fp);
	}
	fputs("\t\t<shortdesc lang=\"en\">", fp);
	xml_escaped(fp, p->desc);
	fputs("</shortdesc>\n\t</parameter>\n", fp);
}

void
fence_print_metadata(FILE *fp)
{
	size_t i;

	fprintf(fp, "<?xml version=\"1.0\" ?>\n<resource-agent name=\"fence_srr\" shortdesc=\"%s\" >\n<longdesc>",
		shortdesc);
	xml_escaped(fp, longdesc);
	fputs("</longdesc>\n<vendor-url>http://www.ibm.com</vendor-url>\n<parameters>\n", fp);
	for (i = 0; i < P_COUNT; i++) {
		const char *old = alias_of((enum fence_pid)i);

		if (old != NULL)
			meta_param(fp, (enum fence_pid)i, old, "deprecated", "1");
		meta_param(fp, (enum fence_pid)i, fence_params[i].name,
			   old != NULL ? "obsoletes" : NULL, old);
	}
	fputs("</parameters>\n<actions>\n\t<action name=\"on\" automatic=\"0\"/>\n", fp);
	for (i = 1; actions[i] != NULL; i++)
		fprintf(fp, "\t<action name=\"%s\" />\n", actions[i]);
	fputs("</actions>\n</resource-agent>\n", fp);
}

void
fence_print_usage(FILE *fp)
{
	char mixed[128];
	size_t i;

	fputs("Usage:\n\tfence_srr [options]\nOptions:\n", fp);
	for (i = 0; i < P_COUNT; i++) {
		getopt_mixed(mixed, sizeof(mixed), &fence_params[i]);
		fprintf(fp, "   %-34s %s\n", mixed, fence_params[i].desc);
	}
	fputs("\nWith no option, parameters are read from stdin as key=value lines "
	      "(the fence-agent API).\nActions:", fp);
	for (i = 0; actions[i] != NULL; i++)
		fprintf(fp, " %s", actions[i]);
	fputs("\n", fp);
}

/* troff: a leading '.' or '\'' and every backslash need escaping. */
static void
roff_escaped(FILE *fp, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", fp);
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\e", fp);
		else if (*s == '-')
			fputs("\\-", fp);
		else
			fputc(*s, fp);
	}
}

void
fence_print_manpage(FILE *fp)
{
	char mixed[128];
	size_t i;

	fputs(".TH FENCE_SRR 8 \"\" \"srrha " PACKAGE_VERSION "\" \"System Manager's Manual\"\n"
	      ".SH NAME\nfence_srr \\- ", fp);
	roff_escaped(fp, shortdesc);
	fputs("\n.SH SYNOPSIS\n.B fence_srr\n[\\fIOPTIONS\\fR]\n.br\n"
	      ".B fence_srr\n< \\fIkey=value lines\\fR\n.SH DESCRIPTION\n", fp);
	roff_escaped(fp, longdesc);
	fputs("\n.PP\nWith no command-line argument, fence_srr reads its parameters from "
	      "standard input as key=value lines, the way pacemaker-fenced sends them; "
	      "lines starting with # are comments, the last value of a repeated key wins "
	      "and unknown keys are ignored with a warning. A NUL or control byte (TAB "
	      "included; a final CR excepted), a line over 4096 bytes or without =, or "
	      "more than 64 KiB in all is refused with exit 1.\n.SH OPTIONS\n", fp);
	for (i = 0; i < P_COUNT; i++) {
		const char *old = alias_of((enum fence_pid)i);

		getopt_mixed(mixed, sizeof(mixed), &fence_params[i]);
		fputs(".TP\n.B ", fp);
		roff_escaped(fp, mixed);
		fputs("\n", fp);
		roff_escaped(fp, fence_params[i].desc);
		fprintf(fp, ". stdin key: %s", fence_params[i].name);
		if (old != NULL)
			fprintf(fp, " (old name: %s)", old);
		if (fence_params[i].def != NULL) {
			fputs(". Default: ", fp);
			roff_escaped(fp, fence_params[i].def);
		}
		fputs(".\n", fp);
	}
	fputs(".SH ACTIONS\n", fp);
	for (i = 0; actions[i] != NULL; i++)
		fprintf(fp, ".B %s\n.br\n", actions[i]);
	fputs(".SH EXIT STATUS\n0 success (status: the partition may run); 1 failure or, for status, "
	      "UNKNOWN; 2 for status: OFF.\n.SH SEE ALSO\n.BR fence_lpar (8),\n"
	      ".BR stonith_admin (8)\n", fp);
}
