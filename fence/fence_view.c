/*
 * fence_view.c: from the HMC's listings (already parsed by hmc/) to the
 * per-system observations fence_locate() decides on. Pure: the unit tests
 * feed it canned HMC output.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "fence_srr.h"

const char *const fence_sys_fields[] = { "name", "state", NULL };
const char *const fence_lpar_fields[] = { "name", "state",
	"remote_restart_status", "curr_profile", NULL };

void
fence_view_init(struct fence_view *v)
{
	memset(v, 0, sizeof(*v));
}

void
fence_view_free(struct fence_view *v)
{
	size_t i;

	for (i = 0; i < FENCE_SYS_MAX; i++)
		hmc_table_free(&v->lpars[i]);
	hmc_table_free(&v->systab);
	memset(v, 0, sizeof(*v));
}

static bool
wanted(const char *name, const char *const *want, size_t n_want)
{
	size_t i;

	if (n_want == 0)
		return true;
	for (i = 0; i < n_want; i++)
		if (strcmp(name, want[i]) == 0)
			return true;
	return false;
}

static int
row_index(const struct hmc_table *t, const char *name, size_t col)
{
	size_t i;

	for (i = 0; i < t->nrows; i++)
		if (t->rows[i].n > col && strcmp(t->rows[i].values[col], name) == 0)
			return (int)i;
	return -1;
}

int
fence_view_set_systems(struct fence_view *v, struct hmc_table *systab,
		       const char *const *want, size_t n_want, char *err,
		       size_t errlen)
{
	size_t i;

	v->systab = *systab;
	memset(systab, 0, sizeof(*systab));
	for (i = 0; i < v->systab.nrows; i++) {
		const struct hmc_row *r = &v->systab.rows[i];

		if (r->n != SYS_NCOLS)
			return -EBADMSG;
		if (row_index(&v->systab, r->values[SYS_COL_NAME], SYS_COL_NAME) != (int)i) {
			fence_seterr(err, errlen, "the HMC lists system '%s' twice",
			       r->values[SYS_COL_NAME]);
			return -EBADMSG;
		}
		if (!wanted(r->values[SYS_COL_NAME], want, n_want))
			continue;
		if (v->n == FENCE_SYS_MAX) {
			fence_seterr(err, errlen, "the HMC manages more than %d systems: list the partition's in systems=",
			       FENCE_SYS_MAX);
			return -E2BIG;
		}
		v->sys[v->n] = r->values[SYS_COL_NAME];
		v->sys_state[v->n] = r->values[SYS_COL_STATE];
		v->list_rc[v->n] = -ENODATA;
		v->n++;
	}
	for (i = 0; i < n_want; i++)
		if (row_index(&v->systab, want[i], SYS_COL_NAME) < 0) {
			fence_seterr(err, errlen, "system '%s' (from systems=) is not managed by this HMC",
			       want[i]);
			return -ENOENT;
		}
	return 0;
}

static int
observe_one(const struct fence_view *v, size_t i, const char *plug,
	    struct fence_obs *ob, char *err, size_t errlen)
{
	const struct hmc_table *t = &v->lpars[i];
	size_t j;
	int k;

	memset(ob, 0, sizeof(*ob));
	ob->sys = v->sys[i];
	ob->sys_state_text = v->sys_state[i];
	ob->sys_state = hmc_sys_state_parse(v->sys_state[i]);
	ob->listed = v->list_rc[i] == 0;
	if (!ob->listed)
		return 0;
	k = row_index(t, plug, LPAR_COL_NAME);
	if (k < 0)
		return 0;
	for (j = (size_t)k + 1; j < t->nrows; j++)
		if (strcmp(t->rows[j].values[LPAR_COL_NAME], plug) == 0) {
			char shown[FENCE_SHOWN_MAX];

			fence_cut(plug, shown, sizeof(shown));
			fence_seterr(err, errlen, "the HMC lists partition '%s' twice on %s",
			       shown, v->sys[i]);
			return -EBADMSG;
		}
	ob->defined = true;
	ob->state_text = t->rows[k].values[LPAR_COL_STATE];
	ob->state = hmc_lpar_state_parse(ob->state_text);
	ob->rrs_text = t->rows[k].values[LPAR_COL_RRS];
	ob->rrs = hmc_rr_status_parse(ob->rrs_text);
	ob->profile = t->rows[k].values[LPAR_COL_PROFILE];
	return 0;
}

int
fence_view_observe(const struct fence_view *v, const char *plug,
		   struct fence_obs *obs, char *err, size_t errlen)
{
	size_t i;
	int rc;

	for (i = 0; i < v->n; i++) {
		rc = observe_one(v, i, plug, &obs[i], err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}
