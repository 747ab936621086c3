/*
 * srrha.pml: a Promela model of srrha's protocol between agents, checked
 * exhaustively with spin (doc/model.md says what is modelled, what is left
 * out and why, and which engine function each step stands for).
 *
 * Roles, one proctype each: Agent (srrd's engine over its ledger and store),
 * Cluster (corosync: views, epochs, quorum, agreed order, state sync), Hmc
 * (the source system and what happens to it), Operator (confirm, a partition
 * stopped on its destination), and Calm (the end of the chaos, for liveness).
 *
 * Configuration (spin -D...): N agents (2, 3), NP partitions (1, 2), budgets
 * for the environment: MAXEV membership events (split, heal, crash,
 * restart), MAXSRC source transitions, NFAIL failed and NUNK unknown HMC
 * outcomes, NSTOP partitions stopped on their destination. LIVE adds the
 * calm phases and their checks. Mutants remove one part of the gate each:
 * NO_QUORUM, NO_SYNC, NO_LEASE, NO_CONFIRM, NO_DELIVERY, NO_EPOCH,
 * NO_DEST_CHECK; NO_RECONCILE removes reconciliation (liveness);
 * STALE_FAIL is the engine before its fix (a late failure recorded against
 * a later attempt). SKIP_SECOND drops the "second restart" assertion so
 * that spin looks further, for a counterexample to another property.
 * scripts/model-check runs them all.
 */
#ifndef N
#define N	3
#endif
#ifndef NP
#define NP	1
#endif
#ifndef MAXEV
#define MAXEV	3
#endif
#ifndef MAXSRC
#define MAXSRC	3
#endif
#ifndef NFAIL
#define NFAIL	1
#endif
#ifndef NUNK
#define NUNK	1
#endif
#ifndef NSTOP
#define NSTOP	1
#endif

#define IX(i, p)	((i) * NP + (p))
/* records an agent may have sent and not yet seen delivered: superseded
 * proposals stay queued (the code's queue has no bound) */
#ifndef OUTQ
#define OUTQ	(4 * NP)
#endif

/* ------------------------------------------------------------ the ledger */
/* Status, numbered as enum srr_op_status (agent/ledger.h); abandoned (5) is
 * the operator's and not modelled. */
#define PLANNED		0
#define RESTARTING	1
#define FAILED		2
#define RESTARTED	3
#define CLEANING	4
#define CLEANED		6

/* A record is its place in the merge order (srr_record_cmp, ledger.c), so
 * that merge is max. Attempts (not a debt): attempt number, then the
 * attempt's epoch, then status. Debts, above every attempt: status, then
 * cleanup attempts, then attempts. Time and bytes, the code's last keys,
 * only break ties between copies the model does not distinguish. */
#define DEBT		2048
#define KA(att, aep, st)	((att) * 256 + (aep) * 16 + (st))
#define KD(st, cl, att)		(DEBT + ((st) - RESTARTED) * 256 + (cl) * 16 + (att))
#define ST(k)		((k) < DEBT -> (k) % 16 : RESTARTED + ((k) - DEBT) / 256)
#define ATT(k)		((k) < DEBT -> (k) / 256 : ((k) - DEBT) % 16)
#define AEP(k)		((k) < DEBT -> ((k) / 16) % 16 : 0)
#define CL(k)		((k) < DEBT -> 0 : (((k) - DEBT) / 16) % 16)
#define IS_DEBT(k)	((k) >= DEBT)

/* srr_op_transition_ok (ledger.c: allowed[][]), without abandoned. */
#define TRANSITION_OK(a, b) \
	((a) == PLANNED && ((b) == RESTARTING || (b) == FAILED) || \
	 (a) == RESTARTING && ((b) == RESTARTED || (b) == FAILED) || \
	 (a) == FAILED && ((b) == RESTARTING || (b) == FAILED || (b) == RESTARTED) || \
	 (a) == RESTARTED && ((b) == CLEANING || (b) == CLEANED) || \
	 (a) == CLEANING && ((b) == CLEANING || (b) == CLEANED))

/* ------------------------------------------------- the HMC and the source */
#define OPER		0	/* Operating */
#define DOWN		1	/* a definite down state (Power Off, Error...) */
#define AMBIG_DEAD	2	/* No Connection, and it is dead */
#define AMBIG_LIVE	3	/* No Connection, and it still runs */

#define RRABLE		0	/* the source's copy: Remote Restartable */
#define RRD		1	/* Remote Restarted: a stale copy, a debt */
#define GONE		2	/* cleaned up */

byte src = OPER;
bool confirmed;			/* an operator's confirm (doc/engine.md) */
bit src_run[NP];		/* the partition runs on the source */
bit dst_run[NP];		/* ... on its destination */
byte rrs[NP];			/* what the source holds of it */
byte nsrc, nfail, nunk, nstop;

/* HMC answers (command results, query results), one slot per operation:
 * an operation has at most one command or query in flight. */
#define R_NONE		0
#define R_RESTART	1
#define R_CLEANUP	2
#define R_QUERY		3
#define X_OK		0
#define X_FAIL		1
#define X_UNKNOWN	2	/* no exit status came: outcome unknown */
byte rk[N * NP];		/* kind of the answer waiting */
byte rx[N * NP];		/* exit, or (query) dst_run * 4 + rrs */
byte rq[N * NP];		/* the epoch a query was asked in (its tag) */

/* ------------------------------------------------------------ the cluster */
bit up[N];
byte comp[N];			/* network component (label) the agent is in */
byte cep[N];			/* current epoch of each component */
byte gep = 1;			/* epochs handed out */
byte nev;
byte ep[N];			/* the view the agent installed: epoch, */
bit vq[N], vl[N], syn[N];	/* quorate, leader, synced */
chan out[N] = [OUTQ] of { byte, short };	/* records sent, not delivered */

/* ------------------------------------------------------------- the agents */
short led[N * NP];		/* the ledger, as stored (srr_ledger + store) */
/* The engine's operation (struct eop, engine_int.h): volatile. */
bit pend[N * NP];		/* op->pending: a proposal is out */
short prop[N * NP];		/* op->prop */
byte prop_ep[N * NP];		/* op->prop_epoch */
bit deliv[N * NP];		/* op->delivered */
bit need_rec[N * NP];		/* op->need_reconcile */
bit dest_ok[N * NP];		/* op->dest_ok */
byte infl[N * NP];		/* op->inflight: R_* */
byte qep[N * NP];		/* op->query_epoch */
byte infl_att[N * NP];		/* op->inflight_attempt */
byte cl_int[N * NP];		/* op->cl_intent */

/* Ghosts, for the properties only. */
bit g_major[NP];		/* a debt was stored by a majority */
bit g_shown[NP];		/* a query showed it active on its destination */
bit g_race[NP];			/* stopped there after such a query */
byte phase;			/* Calm: 0 chaos, 1 calm, 2 source back, 3 done */

/* ---------------------------------------------------------------- views */
#define CNT(c, n) \
	n = 0; for (k : 0 .. N - 1) { if :: up[k] && comp[k] == c -> n++ :: else fi }

#define INSTALLED(i)	(ep[i] == cep[comp[i]])

/* The lease (cluster_lease.c): after the node of the last leader was lost,
 * a new leader waits token + consensus, while the old one stops leading
 * when its own heartbeat is not back within token/2; so the old leader
 * has surely left its view before the new one starts. Modelled as what
 * the wait is for: no up agent outside this one's side still holds an old
 * view in which it leads. A crashed agent needs no wait (its process is
 * gone), as in the code. */
#define MOVED(i, j)	(!up[j] || comp[j] == comp[i] || INSTALLED(j) || !vl[j])
#if N == 2
#define OTHERS_MOVED(i)	(MOVED(i, 0) && MOVED(i, 1))
#else
#define OTHERS_MOVED(i)	(MOVED(i, 0) && MOVED(i, 1) && MOVED(i, 2))
#endif

/* ------------------------------------------------------------- the gate */
/* Parts named as in agent/engine_gate.c. Each is an expression (not an
 * inline) so that a command the gate refuses is no step at all: a refusal
 * changes nothing in the model, and a step that changes nothing would hide
 * a stuck protocol from the end-state checks. */
#define engine_leader(i)	(ep[i] != 0 && vl[i])
#ifdef NO_QUORUM
#define gate_quorate(i)		1
#else
#define gate_quorate(i)		vq[i]
#endif
#ifdef NO_SYNC
#define gate_synced(i)		1
#else
#define gate_synced(i)		syn[i]
#endif
#ifdef NO_LEASE
#define gate_lease(i)		1
#else
#define gate_lease(i)		OTHERS_MOVED(i)
#endif
/* engine_acting (engine.c): leader of a synced, quorate epoch. */
#define engine_acting(i)	(engine_leader(i) && gate_synced(i) && gate_quorate(i))
/* gate_cluster: leader, synced, quorate, lease; same configuration, not
 * paused and no stall guard are not modelled (always true). */
#define gate_cluster(i)		(engine_acting(i) && gate_lease(i))

/* watch_down / watch_operating (engine_watch.c): the source as the HMC
 * shows it now (polls are not modelled); ambiguous counts only confirmed. */
#ifdef NO_CONFIRM
#define watch_down(i)		(src != OPER)
#else
#define watch_down(i)		(src == DOWN || src >= AMBIG_DEAD && confirmed)
#endif
#define watch_operating(i)	(src == OPER)
#define gate_source_down(i)	watch_down(i)
/* gate_eligible: inventory not modelled; every partition is eligible. */
#define gate_eligible(i, p)	1
/* gate_not_restarted: one operation per partition, so its own status. */
#define gate_not_restarted(i, p) \
	(ST(led[IX(i, p)]) == RESTARTING || ST(led[IX(i, p)]) == PLANNED || \
	 ST(led[IX(i, p)]) == FAILED)
/* gate_delivered: the intent came back merged in this epoch. */
#ifdef NO_DELIVERY
#define gate_delivered(i, p, st, att)	1
#else
#ifdef NO_EPOCH
#define gate_epoch(i, p)	1
#else
#define gate_epoch(i, p)	(prop_ep[IX(i, p)] == ep[i])
#endif
#define gate_delivered(i, p, st, att) \
	(deliv[IX(i, p)] && gate_epoch(i, p) && ST(led[IX(i, p)]) == (st) && \
	 ST(prop[IX(i, p)]) == (st) && (att) == \
	 ((st) == RESTARTING -> ATT(led[IX(i, p)]) : CL(led[IX(i, p)])))
#endif
/* One destination: always placed. */
#define gate_placed(i, p)	1
#define gate_restart(i, p) \
	(gate_cluster(i) && gate_source_down(i) && gate_eligible(i, p) && \
	 gate_not_restarted(i, p) && \
	 gate_delivered(i, p, RESTARTING, ATT(prop[IX(i, p)])) && gate_placed(i, p))
#ifdef NO_DEST_CHECK
#define gate_dest_ok(i, p)	1
#else
#define gate_dest_ok(i, p)	dest_ok[IX(i, p)]
#endif
#define gate_cleanup(i, p) \
	(gate_cluster(i) && watch_operating(i) && gate_dest_ok(i, p) && \
	 gate_delivered(i, p, CLEANING, CL(prop[IX(i, p)])))

/* -------------------------------------------------------------- ledger */
/* A debt stored by a majority of agents (up or not: stores survive). */
inline count_debt(p)
{
	m = 0;
	for (q : 0 .. N - 1) {
		if
		:: IS_DEBT(led[IX(q, p)]) -> m++
		:: else
		fi
	}
	if
	:: 2 * m > N -> g_major[p] = 1
	:: else
	fi
}

/* The proposal matters only while out or delivered: the model forgets it
 * otherwise, so that states differing only there are one. */
inline forget_prop(i, p)
{
	if
	:: !pend[IX(i, p)] && !deliv[IX(i, p)] -> prop[IX(i, p)] = 0; prop_ep[IX(i, p)] = 0
	:: else
	fi
}

/* srr_ledger_merge then ops_record (engine_ops.c): the greater record
 * wins; a proposal that came back equal in its epoch is actionable. */
inline merge(j, p, key)
{
	if
	:: key > led[IX(j, p)] ->
		printf("MSC: agent %d: p%d merged status %d a%d ae%d cl%d (epoch %d)\n",
		       j, p, ST(key), ATT(key), AEP(key), CL(key), ep[j]);
		led[IX(j, p)] = key;
		deliv[IX(j, p)] = 0;
		if
		:: pend[IX(j, p)] && key >= prop[IX(j, p)] ->
			pend[IX(j, p)] = 0;
			deliv[IX(j, p)] = (key == prop[IX(j, p)] &&
					   prop_ep[IX(j, p)] == ep[j])
		:: else
		fi;
		forget_prop(j, p);
		need_rec[IX(j, p)] = (ST(key) == RESTARTING &&
				      infl[IX(j, p)] != R_RESTART &&
				      !deliv[IX(j, p)]);
		count_debt(p)
	:: else
	fi
}

/* ops_change_state (engine_ops.c): the lattice is checked, the next record
 * is strictly greater, it goes out through the cluster (REPLICATE), and
 * nothing acts on it before it comes back merged. Busy: nothing. */
inline propose(i, p, key)
{
	if
	:: !pend[IX(i, p)] ->
		assert(TRANSITION_OK(ST(led[IX(i, p)]), ST(key)));
		assert(key > led[IX(i, p)]);
		assert(ATT(key) < 8 && CL(key) < 8);
		printf("MSC: agent %d: p%d propose status %d a%d ae%d cl%d (epoch %d)\n",
		       i, p, ST(key), ATT(key), AEP(key), CL(key), ep[i]);
		pend[IX(i, p)] = 1;
		prop[IX(i, p)] = key;
		prop_ep[IX(i, p)] = ep[i];
		deliv[IX(i, p)] = 0;
		assert(nfull(out[i]));
		out[i] ! p, key
	:: else
	fi
}

/* ------------------------------------------------------------- the HMC */
/* Each command reaches the HMC at once (doc/engine.md: "Send a COMMAND at
 * once") and takes effect there atomically; its answer comes back later,
 * or never (the agent crashed), or without an exit status. */
inline answer(i, p, kind, x)
{
	printf("MSC: hmc: answer to agent %d p%d: kind %d result %d\n", i, p, kind, x);
	rk[IX(i, p)] = kind;
	rx[IX(i, p)] = x
}

inline ran_restart(p)
{
	/* Property: a partition never runs on two systems at once. */
	assert(!src_run[p]);
	dst_run[p] = 1;
	rrs[p] = RRD
}

/* rrstartlpar -o restart: refused while the source shows Operating, or
 * when the source's copy is not Remote Restartable. */
inline hmc_restart(i, p)
{
	/* Property: never a second restart of a partition restarted. */
#ifndef SKIP_SECOND
	assert(rrs[p] == RRABLE);
#endif
	if
	:: src == OPER || rrs[p] != RRABLE -> answer(i, p, R_RESTART, X_FAIL)
	:: else ->
		if
		:: ran_restart(p); answer(i, p, R_RESTART, X_OK)
		:: nfail < NFAIL -> nfail++; answer(i, p, R_RESTART, X_FAIL)
		:: nunk < NUNK -> nunk++; ran_restart(p);
			answer(i, p, R_RESTART, X_UNKNOWN)
		:: nunk < NUNK -> nunk++; answer(i, p, R_RESTART, X_UNKNOWN)
		fi
	fi
}

/* rrstartlpar -o cleanup: needs the source Operating; HSCL8012 (nothing to
 * clean) counts as done. */
inline hmc_cleanup(i, p)
{
	/* Property: no cleanup of the live copy: only while the partition is
	 * active on its destination, or stopped there after a query showed
	 * it active (the window between query and command). */
	assert(dst_run[p] || g_race[p]);
	if
	:: src != OPER || rrs[p] == RRABLE -> answer(i, p, R_CLEANUP, X_FAIL)
	:: src == OPER && rrs[p] == GONE -> answer(i, p, R_CLEANUP, X_OK)
	:: src == OPER && rrs[p] == RRD ->
		if
		:: rrs[p] = GONE; answer(i, p, R_CLEANUP, X_OK)
		:: nfail < NFAIL -> nfail++; answer(i, p, R_CLEANUP, X_FAIL)
		:: nunk < NUNK -> nunk++; rrs[p] = GONE;
			answer(i, p, R_CLEANUP, X_UNKNOWN)
		:: nunk < NUNK -> nunk++; answer(i, p, R_CLEANUP, X_UNKNOWN)
		fi
	fi
}

/* lssyscfg -r lpar on source and destination. */
inline hmc_query(i, p)
{
	answer(i, p, R_QUERY, dst_run[p] * 4 + rrs[p]);
	rq[IX(i, p)] = ep[i];
	if
	:: dst_run[p] -> g_shown[p] = 1
	:: else
	fi
}

/* ------------------------------------------------------- engine actions */
/* ops_emit_cmd (engine_restart.c) with the properties checked as the
 * command leaves. */
inline emit_restart(i, p)
{
	/* Property: no restart unless its intent was merged in the sender's
	 * epoch: the sender's ledger holds this very attempt, proposed and
	 * merged in its epoch, and so does every member of its view. */
	assert(ST(led[IX(i, p)]) == RESTARTING && AEP(led[IX(i, p)]) == ep[i]);
	for (k : 0 .. N - 1) {
		assert(!up[k] || ep[k] != ep[i] || led[IX(k, p)] >= led[IX(i, p)])
	}
	printf("MSC: agent %d: rrstartlpar -o restart p%d a%d (epoch %d)\n", i, p,
	       ATT(led[IX(i, p)]), ep[i]);
	hmc_restart(i, p);
	infl[IX(i, p)] = R_RESTART;
	infl_att[IX(i, p)] = ATT(led[IX(i, p)]);
	deliv[IX(i, p)] = 0;
	forget_prop(i, p)
}

/* ops_query */
inline emit_query(i, p)
{
	printf("MSC: agent %d: query p%d (epoch %d)\n", i, p, ep[i]);
	hmc_query(i, p);
	infl[IX(i, p)] = R_QUERY;
	qep[IX(i, p)] = ep[i]
}

#define IDLE(i, p)	(up[i] && !pend[IX(i, p)] && infl[IX(i, p)] == R_NONE)
#define REC(i, p)	led[IX(i, p)]

/* drive_restart: planned (or failed, retried) and the source down: the
 * restart intent. ops_plan's planned record is folded into it. */
#define CAN_DRIVE(i, p) \
	(engine_acting(i) && IDLE(i, p) && \
	 (ST(REC(i, p)) == PLANNED || ST(REC(i, p)) == FAILED) && watch_down(i))
inline drive_restart(i, p)
{
	printf("MSC: agent %d: p%d intent restarting a%d (epoch %d)\n", i, p,
	       ATT(REC(i, p)) + 1, ep[i]);
	nk = KA(ATT(REC(i, p)) + 1, ep[i], RESTARTING); propose(i, p, nk);
#ifdef NO_DELIVERY
	/* The broken gate: act before the ledger agreed. */
	hmc_restart(i, p);
	infl[IX(i, p)] = R_RESTART;
	infl_att[IX(i, p)] = ATT(nk)
#endif
}

/* send_restart: the intent is back; the gate, then the command; refused
 * with the source up again: the attempt is given back (failed). */
#define CAN_SEND(i, p) \
	(engine_acting(i) && IDLE(i, p) && ST(REC(i, p)) == RESTARTING && \
	 !need_rec[IX(i, p)] && deliv[IX(i, p)] && \
	 (gate_restart(i, p) || watch_operating(i)))
inline send_restart(i, p)
{
	if
	:: gate_restart(i, p) -> emit_restart(i, p)
	:: else -> nk = KA(ATT(REC(i, p)), AEP(REC(i, p)), FAILED); propose(i, p, nk)
	fi
}

/* reconcile: a restarting operation not ours in flight: ask the HMC. */
#define CAN_RECONCILE(i, p) \
	(engine_acting(i) && IDLE(i, p) && ST(REC(i, p)) == RESTARTING && \
	 need_rec[IX(i, p)] && gate_cluster(i))

/* cleanup_step (engine_cleanup.c) */
#define DEBT_OPEN(i, p)	(ST(REC(i, p)) == RESTARTED || ST(REC(i, p)) == CLEANING)
#define CL_READY(i, p) \
	(deliv[IX(i, p)] && ST(REC(i, p)) == CLEANING && \
	 cl_int[IX(i, p)] == CL(REC(i, p)))
#ifdef NO_DEST_CHECK
#define CAN_CL_QUERY(i, p)	0
#define DEST_KNOWN(i, p)	1
#else
#define CAN_CL_QUERY(i, p) \
	(engine_acting(i) && IDLE(i, p) && DEBT_OPEN(i, p) && \
	 watch_operating(i) && !dest_ok[IX(i, p)] && gate_cluster(i))
#define DEST_KNOWN(i, p)	dest_ok[IX(i, p)]
#endif
#define CAN_CLEANUP(i, p) \
	(engine_acting(i) && IDLE(i, p) && DEBT_OPEN(i, p) && \
	 watch_operating(i) && DEST_KNOWN(i, p) && CL_READY(i, p) && \
	 gate_cleanup(i, p))
#define CAN_CL_INTENT(i, p) \
	(engine_acting(i) && IDLE(i, p) && DEBT_OPEN(i, p) && \
	 watch_operating(i) && DEST_KNOWN(i, p) && !CL_READY(i, p) && \
	 gate_cluster(i))
inline send_cleanup(i, p)
{
	printf("MSC: agent %d: rrstartlpar -o cleanup p%d (epoch %d)\n", i, p, ep[i]);
	hmc_cleanup(i, p);
	infl[IX(i, p)] = R_CLEANUP;
	deliv[IX(i, p)] = 0;
	forget_prop(i, p);
	cl_int[IX(i, p)] = 0
}
inline cleanup_intent(i, p)
{
	cl_int[IX(i, p)] = CL(REC(i, p)) + 1;
	nk = KD(CLEANING, CL(REC(i, p)) + 1, ATT(REC(i, p))); propose(i, p, nk)
}

/* ------------------------------------------------------ engine results */
/* restart_result (engine_results.c) */
inline restart_result(i, p, x)
{
	if
	:: x == X_OK && (ST(REC(i, p)) == RESTARTING || ST(REC(i, p)) == FAILED) ->
		/* ours succeeded: a debt, whatever the ledger says meanwhile */
		pend[IX(i, p)] = 0;
		nk = KD(RESTARTED, 0, ATT(REC(i, p))); propose(i, p, nk)
	:: else ->
		if
		:: ST(REC(i, p)) != RESTARTING || pend[IX(i, p)] ->
			need_rec[IX(i, p)] = (ST(REC(i, p)) == RESTARTING)
#ifndef STALE_FAIL
		:: ST(REC(i, p)) == RESTARTING && !pend[IX(i, p)] &&
		   infl_att[IX(i, p)] != ATT(REC(i, p)) ->
			/* the ledger holds another agent's later attempt: the
			 * failure (or unknown outcome) of ours is superseded,
			 * and that attempt's reconciliation saw its effect */
			skip
#endif
		:: else ->
			if
			:: x == X_FAIL ->
				nk = KA(ATT(REC(i, p)), AEP(REC(i, p)), FAILED); propose(i, p, nk)
			:: else ->
#ifndef NO_RECONCILE
				need_rec[IX(i, p)] = 1
#else
				skip
#endif
			fi
		fi
	fi
}

/* reconcile_result: active on the destination, or the source says Remote
 * Restarted or holds it no more: restarted. Remote Restartable and on no
 * destination: failed (retried). */
inline reconcile_result(i, p, x)
{
	if
	:: x / 4 == 1 || x % 4 != RRABLE ->
		nk = KD(RESTARTED, 0, ATT(REC(i, p))); propose(i, p, nk)
	:: else ->
		nk = KA(ATT(REC(i, p)), AEP(REC(i, p)), FAILED); propose(i, p, nk)
	fi
}

/* cleanup_query_result: gone from the source closes the debt; active on
 * the destination: cleanup may go; otherwise held. */
inline cleanup_query_result(i, p, x)
{
	if
	:: x % 4 == GONE ->
		nk = KD(CLEANED, CL(REC(i, p)), ATT(REC(i, p))); propose(i, p, nk)
	:: x % 4 != GONE && x / 4 == 1 -> dest_ok[IX(i, p)] = 1
	:: else
	fi
}

/* cleanup_cmd_result: done (or already done) closes; failed or unknown:
 * query and try again (the failure's record, with its HSCL code, is not
 * modelled: it changes no decision). */
inline cleanup_cmd_result(i, p, x)
{
	dest_ok[IX(i, p)] = 0;
	if
	:: !pend[IX(i, p)] && ST(REC(i, p)) == CLEANING && x == X_OK ->
		nk = KD(CLEANED, CL(REC(i, p)), ATT(REC(i, p))); propose(i, p, nk)
	:: else
	fi
}

/* ops_cmd_result / ops_query_result: an answer is taken only for the
 * command or query in flight (queries: of this epoch). */
inline take_answer(i, p)
{
	x = rx[IX(i, p)];
	if
	:: rk[IX(i, p)] == R_QUERY &&
	   (infl[IX(i, p)] != R_QUERY || rq[IX(i, p)] != qep[IX(i, p)] ||
	    qep[IX(i, p)] != ep[i]) ->
		skip	/* a stale query result: ignored */
	:: rk[IX(i, p)] != infl[IX(i, p)] -> skip
	:: else ->
		infl[IX(i, p)] = R_NONE;
		if
		:: rk[IX(i, p)] == R_RESTART -> restart_result(i, p, x)
		:: rk[IX(i, p)] == R_CLEANUP -> cleanup_cmd_result(i, p, x)
		:: rk[IX(i, p)] == R_QUERY && pend[IX(i, p)] -> skip
		:: rk[IX(i, p)] == R_QUERY && !pend[IX(i, p)] &&
		   ST(REC(i, p)) == RESTARTING -> reconcile_result(i, p, x)
		:: rk[IX(i, p)] == R_QUERY && !pend[IX(i, p)] && DEBT_OPEN(i, p) ->
			cleanup_query_result(i, p, x)
		:: else
		fi;
		infl_att[IX(i, p)] = 0
	fi;
	rk[IX(i, p)] = R_NONE;
	rx[IX(i, p)] = 0;
	rq[IX(i, p)] = 0
}

/* ------------------------------------------------------------ the agent */
/* The steps of one operation: each enabled only if it changes something. */
#define OP_STEPS(p) \
	:: atomic { CAN_DRIVE(i, p) -> drive_restart(i, p) } \
	:: atomic { CAN_SEND(i, p) -> send_restart(i, p) } \
	:: d_step { CAN_RECONCILE(i, p) -> emit_query(i, p); skip } \
	:: d_step { CAN_CL_QUERY(i, p) -> emit_query(i, p); skip } \
	:: atomic { CAN_CLEANUP(i, p) -> send_cleanup(i, p) } \
	:: d_step { CAN_CL_INTENT(i, p) -> cleanup_intent(i, p); skip } \
	:: d_step { up[i] && rk[IX(i, p)] != R_NONE -> take_answer(i, p) }

proctype Agent(byte i)
{
	byte k, n, x;
	short nk;

end:	do
	OP_STEPS(0)
#if NP > 1
	OP_STEPS(1)
#endif
	od
}

/* ---------------------------------------------------------- the cluster */
/* ops_new_epoch (engine_ops.c), on the MEMBERSHIP of a new epoch. */
inline new_epoch(i)
{
	for (p : 0 .. NP - 1) {
		pend[IX(i, p)] = 0;
#ifndef NO_EPOCH
		/* the mutant keeps what the code would then need: the
		 * proposal, its epoch and the delivered flag */
		prop[IX(i, p)] = 0;
		deliv[IX(i, p)] = 0;
		prop_ep[IX(i, p)] = 0;
#endif
		dest_ok[IX(i, p)] = 0;
		if
		:: infl[IX(i, p)] == R_QUERY -> infl[IX(i, p)] = R_NONE; qep[IX(i, p)] = 0
		:: else
		fi;
		need_rec[IX(i, p)] = (ST(REC(i, p)) == RESTARTING &&
				      infl[IX(i, p)] != R_RESTART && !deliv[IX(i, p)])
	}
}

/* The agent learns its new view (cluster_core: membership, leader). The
 * binding flushes what it had not sent of the old epoch. */
inline install(i)
{
	ep[i] = cep[comp[i]];
	printf("MSC: agent %d: view of epoch %d\n", i, ep[i]);
	syn[i] = 0;
	CNT(comp[i], n);
	vq[i] = (2 * n > N);
	printf("MSC: agent %d: epoch %d has %d members\n", i, ep[i], n);
	vl[i] = 1;
	for (k : 0 .. N - 1) {
		if
		:: up[k] && comp[k] == comp[i] && k < i -> vl[i] = 0
		:: else
		fi
	}
	do
	:: nempty(out[i]) -> out[i] ? _, _
	:: empty(out[i]) -> break
	od;
	new_epoch(i)
}

#define ALL_IN(c) \
	((!up[0] || comp[0] != (c) || INSTALLED(0)) && \
	 (!up[1] || comp[1] != (c) || INSTALLED(1)) && \
	 (N < 3 || !up[N - 1] || comp[N - 1] != (c) || INSTALLED(N - 1)))

/* A record is delivered in agreed order to every member of the view, the
 * sender included, once they all hold the view; a record of an epoch that
 * ended is dropped by all. */
#define CAN_DELIVER(s)	(up[s] && nempty(out[s]) && (!INSTALLED(s) || ALL_IN(comp[s])))
inline deliver(s)
{
	out[s] ? p, key;
	if
	:: !INSTALLED(s) -> printf("MSC: cluster: record of agent %d dropped (epoch ended)\n", s)
	:: INSTALLED(s) ->
		for (k : 0 .. N - 1) {
			if
			:: up[k] && comp[k] == comp[s] -> j = k; merge(j, p, key)
			:: else
			fi
		}
	fi
}

/* State sync of an epoch: every member ends with the union (merge = max);
 * run by the component's lowest member once all hold the view. */
#define LOWEST(s) \
	((s == 0 || !up[0] || comp[0] != comp[s]) && \
	 (s <= 1 || !up[1] || comp[1] != comp[s]))
#define CAN_SYNC(s)	(up[s] && LOWEST(s) && INSTALLED(s) && !syn[s] && ALL_IN(comp[s]))
inline sync(s)
{
	printf("MSC: cluster: state sync of epoch %d\n", ep[s]);
	for (p : 0 .. NP - 1) {
		key = 0;
		for (k : 0 .. N - 1) {
			if
			:: up[k] && comp[k] == comp[s] && led[IX(k, p)] > key ->
				key = led[IX(k, p)]
			:: else
			fi
		}
		for (k : 0 .. N - 1) {
			if
			:: up[k] && comp[k] == comp[s] -> j = k; merge(j, p, key)
			:: else
			fi
		}
	}
	for (k : 0 .. N - 1) {
		if
		:: up[k] && comp[k] == comp[s] -> syn[k] = 1
		:: else
		fi
	}
}

/* A label no up agent but s uses. */
inline fresh(s)
{
	l = 0;
	do
	:: l < N && (up[0] && comp[0] == l && s != 0 ||
		     up[1] && comp[1] == l && s != 1 ||
		     N > 2 && up[N - 1] && comp[N - 1] == l && s != N - 1) -> l++
	:: else -> break
	od;
	assert(l < N)
}

inline new_epoch_of(c)
{
	gep++;
	assert(gep < 16);
	cep[c] = gep
}

/* A crash: the process is gone (no lease is needed for it, CPG says the
 * process left); its store stays. */
#define CAN_CRASH(s)	(nev < MAXEV && phase == 0 && up[s])
inline crash(s)
{
	printf("MSC: agent %d crashes\n", s);
	nev++;
	up[s] = 0;
	ep[s] = 0; syn[s] = 0; vq[s] = 0; vl[s] = 0;
	do
	:: nempty(out[s]) -> out[s] ? _, _
	:: empty(out[s]) -> break
	od;
	for (p : 0 .. NP - 1) {
		pend[IX(s, p)] = 0; prop[IX(s, p)] = 0; prop_ep[IX(s, p)] = 0;
		deliv[IX(s, p)] = 0; need_rec[IX(s, p)] = 0; dest_ok[IX(s, p)] = 0;
		infl[IX(s, p)] = 0; qep[IX(s, p)] = 0; cl_int[IX(s, p)] = 0;
		infl_att[IX(s, p)] = 0;
		rk[IX(s, p)] = 0; rx[IX(s, p)] = 0; rq[IX(s, p)] = 0
	}
	CNT(comp[s], n);
	if
	:: n > 0 -> new_epoch_of(comp[s])
	:: else
	fi
}

/* A restart from the store: alone until a heal joins it to others. */
#define CAN_RESTART(s)	(nev < MAXEV && phase == 0 && !up[s])
inline restart(s)
{
	printf("MSC: agent %d restarts from its store\n", s);
	nev++;
	up[s] = 1;
	fresh(s);
	comp[s] = l;
	new_epoch_of(l)
}

/* A network split: S leaves its component; every agent on both sides gets
 * the new view in its own time. */
#define CAN_SPLIT(s) \
	(nev < MAXEV && phase == 0 && up[s] && \
	 (up[0] && comp[0] == comp[s] && s != 0 || up[1] && comp[1] == comp[s] && s != 1 || \
	  N > 2 && up[N - 1] && comp[N - 1] == comp[s] && s != N - 1))
inline split(s)
{
	printf("MSC: cluster: agent %d is cut off\n", s);
	nev++;
	new_epoch_of(comp[s]);
	fresh(s);
	comp[s] = l;
	new_epoch_of(l)
}

/* A heal: the components of A and B become one. */
#define CAN_HEAL(a, b)	(nev < MAXEV && phase == 0 && up[a] && up[b] && comp[a] != comp[b])
inline heal(a, b)
{
	printf("MSC: cluster: the sides of agents %d and %d join\n", a, b);
	nev++;
	l = comp[b];
	for (k : 0 .. N - 1) {
		if
		:: up[k] && comp[k] == l -> comp[k] = comp[a]
		:: else
		fi
	}
	new_epoch_of(comp[a])
}

#define CLUSTER_STEPS(s) \
	:: d_step { CAN_INSTALL(s) -> install(s); skip } \
	:: d_step { CAN_DELIVER(s) -> deliver(s); skip } \
	:: d_step { CAN_SYNC(s) -> sync(s); skip } \
	:: d_step { CAN_CRASH(s) -> crash(s); skip } \
	:: d_step { CAN_RESTART(s) -> restart(s); skip } \
	:: d_step { CAN_SPLIT(s) -> split(s); skip }
#define CAN_INSTALL(s)	(up[s] && !INSTALLED(s))

proctype Cluster()
{
	byte k, n, l, p, j, m, q;
	short key;

end:	do
	CLUSTER_STEPS(0)
	CLUSTER_STEPS(1)
#if N > 2
	CLUSTER_STEPS(2)
#endif
	:: d_step { CAN_HEAL(0, 1) -> heal(0, 1); skip }
#if N > 2
	:: d_step { CAN_HEAL(0, 2) -> heal(0, 2); skip }
	:: d_step { CAN_HEAL(1, 2) -> heal(1, 2); skip }
#endif
	od
}

/* -------------------------------------------------------------- the HMC */
/* The source: dies (definite down), or loses its HMC link (ambiguous)
 * while still running, then comes back or dies unseen; repaired, it boots
 * the partitions whose copy there is still the one to run. */
proctype Hmc()
{
	byte p;

end:	do
	:: d_step { nsrc < MAXSRC && phase == 0 && src == OPER ->
		nsrc++; src = DOWN; printf("MSC: source: down\n");
		for (p : 0 .. NP - 1) { src_run[p] = 0 } }
	:: d_step { nsrc < MAXSRC && phase == 0 && src == OPER ->
		nsrc++; src = AMBIG_LIVE; printf("MSC: source: No Connection, still running\n") }
	:: d_step { nsrc < MAXSRC && phase == 0 && src == AMBIG_LIVE ->
		nsrc++; src = OPER; printf("MSC: source: Operating again\n") }
	:: d_step { nsrc < MAXSRC && phase == 0 && src == AMBIG_LIVE ->
		nsrc++; src = AMBIG_DEAD; printf("MSC: source: dies unseen\n");
		for (p : 0 .. NP - 1) { src_run[p] = 0 } }
	:: d_step { nsrc < MAXSRC && phase == 0 && (src == DOWN || src == AMBIG_DEAD) ->
		nsrc++; src = OPER; confirmed = 0; printf("MSC: source: repaired\n");
		for (p : 0 .. NP - 1) { src_run[p] = (rrs[p] == RRABLE) } }
	od
}

/* The operator: confirms a source that is truly dead (as the simulator's
 * operator does), and may stop a restarted partition on its destination. */
proctype Operator()
{
end:	do
	:: d_step { src == AMBIG_DEAD && !confirmed -> confirmed = 1; printf("MSC: operator: confirm\n") }
	:: d_step { nstop < NSTOP && phase == 0 && dst_run[0] ->
		nstop++; dst_run[0] = 0; g_race[0] = g_shown[0] }
#if NP > 1
	:: d_step { nstop < NSTOP && phase == 0 && dst_run[1] ->
		nstop++; dst_run[1] = 0; g_race[1] = g_shown[1] }
#endif
	od
}

/* -------------------------------------------------------------- liveness */
#ifdef LIVE
/* Every partition runs somewhere (it was never stopped on its
 * destination by the operator). */
#define RUNS(p)		(src_run[p] || dst_run[p] || g_race[p] || nstop > 0)
/* Every debt is closed: the source holds no stale copy (unless the
 * partition was stopped on its destination: then the cleanup is held, by
 * design), and every agent's ledger says so. */
#define CLOSED(p, i)	(ST(led[IX(i, p)]) == CLEANED || \
			 rrs[p] == RRABLE && !IS_DEBT(led[IX(i, p)]) && \
			 ST(led[IX(i, p)]) != RESTARTING)
#define ALL_CLOSED(p)	(nstop > 0 || rrs[p] != RRD && \
			 CLOSED(p, 0) && CLOSED(p, 1) && (N < 3 || CLOSED(p, N - 1)))

/* When the chaos is over (nothing else can move), the cluster heals and
 * stays whole, the operator confirms a dead ambiguous source; when all is
 * quiet again every partition runs; the source is repaired; when all is
 * quiet again every debt is closed. */
proctype Calm()
{
	byte k, n, l, p, j, m, q;

	timeout;
	atomic {
		phase = 1;
		for (k : 0 .. N - 1) {
			if
			:: !up[k] -> up[k] = 1; comp[k] = 0
			:: else -> comp[k] = 0
			fi
		}
		new_epoch_of(0);
		if
		:: src == AMBIG_DEAD -> confirmed = 1
		:: else
		fi
	}
	timeout;
	atomic {
		phase = 2;
		for (p : 0 .. NP - 1) { assert(RUNS(p)) }
		if
		:: src != OPER ->
			src = OPER; confirmed = 0;
			for (p : 0 .. NP - 1) {
				src_run[p] = (rrs[p] == RRABLE && !dst_run[p])
			}
		:: else
		fi
	}
	timeout;
	atomic {
		phase = 3;
		for (p : 0 .. NP - 1) {
			assert(RUNS(p));
			assert(ALL_CLOSED(p))
		}
	}
}
#endif

/* ------------------------------------------------------------ invariants */
/* A partition never runs on two systems at once; an agent that may act in
 * the current view of its side holds every debt a majority has stored (a
 * debt is never lost). An agent cut off that has not yet learned it acts
 * on what it knew: the other properties and the lease cover it. */
#define HOLDS(i, p)	(!g_major[p] || IS_DEBT(led[IX(i, p)]))
#define KEEPS(i)	(!up[i] || !INSTALLED(i) || !gate_cluster(i) || \
			 HOLDS(i, 0) && (NP < 2 || HOLDS(i, NP - 1)))
#define ONE_SYSTEM \
	(!(src_run[0] && dst_run[0]) && (NP < 2 || !(src_run[NP - 1] && dst_run[NP - 1])))
#define DEBT_KEPT	(KEEPS(0) && KEEPS(1) && (N < 3 || KEEPS(N - 1)))

proctype Monitor()
{
end:	atomic { !(ONE_SYSTEM && DEBT_KEPT) -> assert(ONE_SYSTEM); assert(DEBT_KEPT) }
}

init
{
	byte k;

	atomic {
		for (k : 0 .. N - 1) {
			up[k] = 1; comp[k] = 0; ep[k] = 1; syn[k] = 1;
			vq[k] = 1; vl[k] = (k == 0)
		}
		cep[0] = 1;
		for (k : 0 .. NP - 1) { src_run[k] = 1 }
		run Monitor();
		for (k : 0 .. N - 1) { run Agent(k) }
		run Cluster();
		run Hmc();
		run Operator();
#ifdef LIVE
		run Calm();
#endif
	}
}
