/*
 * report_util.h - what every report writer needs to read a finding the same
 * way: thread labels, the edges of a cycle, frames, the "user" frame of a
 * stack, severities, and UTF-8 decoding of untrusted bytes.  Internal to
 * report/ (not installed).
 *
 * A cycle finding lists its events in pairs, one pair per edge of the cycle:
 *
 *   events[2i]   = {"hold",    T, L_i,   stack where T took L_i}
 *   events[2i+1] = {"acquire", T, L_i+1, stack where T asked for L_i+1}
 *
 * rep_edges() recovers those pairs and tolerates anything else in between
 * ("wait" counts as "acquire", unpaired events are skipped), so a writer
 * never indexes past what the analyzer produced.
 */
#ifndef LH_REPORT_UTIL_H
#define LH_REPORT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "report.h"

/* One edge of a cycle: `thread` holds hold->lock and requests acq->lock. */
typedef struct rep_edge {
	const lh_fevent *hold;
	const lh_fevent *acq;
} rep_edge;

/* Severity buckets shared by the text colours, SARIF levels, HTML badges. */
typedef enum rep_severity { REP_ERROR, REP_WARNING, REP_NOTE } rep_severity;

rep_severity rep_kind_severity(lh_kind k);
/* "error", "warning", "note" */
const char  *rep_severity_name(rep_severity s);
/* A short human title for a kind: "Potential deadlock", ... */
const char  *rep_kind_title(lh_kind k);
/* One sentence describing the kind (SARIF rule text, HTML legend). */
const char  *rep_kind_help(lh_kind k);

/* The thread with this tid among f->threads, else in f->proc; NULL if none. */
const lh_thread *rep_thread(const lh_finding *f, uint32_t tid);
/* Display label: the thread's name, or "T<tid>" when unnamed or unknown. */
const char *rep_thread_label(const lh_finding *f, uint32_t tid, char *buf, size_t n);

/* The lock's display name, "?" for NULL. */
const char *rep_lock_name(const lh_lock *l);

/* The edges of a cycle finding (see the top comment).  *out is malloc'ed
 * (free it), *n their number; 0 or -ENOMEM. */
int rep_edges(const lh_finding *f, rep_edge **out, size_t *n);

/* Is this finding shaped like a cycle (at least one hold/acquire edge)? */
int rep_is_cycle(const lh_finding *f);

/* A frame for index i of a stack: the symbolized one, or a stand-in with
 * only the pc filled (function/file/module "", line 0). */
lh_frame rep_frame(const lh_stack *s, uint32_t i);

/* Index of the first frame worth showing a user (has a file and a line,
 * and is not in lockhound's shim or the C library), or -1. */
int rep_user_frame(const lh_stack *s);

/* Basename of a path ("" stays ""). */
const char *rep_basename(const char *path);

/* Number of findings that are reported (not suppressed), per kind too. */
size_t rep_count(const lh_model *m, size_t counts[LH_KIND_COUNT]);

/* "lockhound: 3 findings (1 potential-deadlock, 2 misuse)" without newline,
 * written to out. */
void rep_summary_line(FILE *out, const lh_model *m);

/* Decodes one UTF-8 character from s (n > 0 bytes available).  Returns the
 * number of bytes it used (>= 1) and stores the code point in *cp; invalid,
 * overlong, surrogate or truncated sequences give U+FFFD and consume one byte. */
size_t rep_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);
/* Writes the code point as UTF-8. */
void rep_utf8_put(FILE *out, uint32_t cp);

/* A growable string buffer (for labels handed to libraries). */
typedef struct rep_buf {
	char  *s;
	size_t len, cap;
	int    err;          /* -ENOMEM once an append failed */
} rep_buf;

void rep_buf_add(rep_buf *b, const char *s, size_t n);
void rep_buf_puts(rep_buf *b, const char *s);
__attribute__((format(printf, 2, 3)))
void rep_buf_printf(rep_buf *b, const char *fmt, ...);
void rep_buf_free(rep_buf *b);

#endif
