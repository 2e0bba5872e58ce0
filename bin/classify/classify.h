/*
 * relaywatch-classify in files: the verdict (what a message proves) in
 * bin/relaywatch-classify.c; what the message says, read as a stream,
 * in bin/classify/message.c; the verdict line in bin/classify/verdict.c;
 * whose host an address is in bin/classify/nets.c.  What more than one
 * of them uses is declared here; relaywatch-classify(1) documents the
 * program.
 */
#ifndef RW_CLASSIFY_CLASSIFY_H
#define RW_CLASSIFY_CLASSIFY_H

#include "conf.h"
#include "dsn.h"
#include "ip.h"
#include "mime.h"
#include "report_text.h"
#include "state.h"
#include "token.h"
#include "token_words.h"

#define FIELD_MAX MIME_FIELD_MAX	/* a header field kept */

#define TEXT_BUDGET (256 * 1024) /* report text looked at for phrases */

#define CHECKS_MAX 4096		/* token candidates verified */

#define FOUND_MAX 8		/* distinct valid tokens kept */

#define RECEIVED_MAX 16		/* Received fields of the path kept */

/* ---- what was seen ---------------------------------------------------- */

/* Where a token was seen: SRC_ENCLOSED is inside an enclosed message (a
 * report's copy of the original, a forwarded message). */
enum { SRC_ENVELOPE = 1, SRC_HEADER = MIME_HEADER, SRC_BODY = MIME_BODY,
    SRC_ENCLOSED = MIME_ENCLOSED };

struct found {
	char text[TOKEN_MAX + 1];
	struct token t;
	int src;
};

struct classify_seen {
	/* tokens */
	struct token_words words;
	struct found tok[FOUND_MAX];
	int ntok, too_many;
	unsigned checks;
	const char *bad_why;	/* why the last token-shaped word failed */
	int nbad;

	/* top-level header */
	int null_sender, have_return_path;
	char return_path[FIELD_MAX];
	char envelope[FIELD_MAX];
	char xrw[FIELD_MAX];
	int nxrw;
	char msgid[FIELD_MAX];
	char subject[FIELD_MAX];
	char from[FIELD_MAX];
	int daemon_from, failed_rcpts, autoreply_hdr, replied, in_reply_to;
	int resent;
	int mta_from;
	char test_mailbox[FIELD_MAX];	/* "Test: mailbox=" of the text */
	int top_report, report_dsn, report_feedback, report_mdn;
	struct hop {
		struct ip ip;
		int named;	/* the field names a sending host */
	} path[RECEIVED_MAX];	/* the Received fields, top down */
	int npath, received, top_local;

	/* the delivery status parts, and the report's own text */
	int dsn;
	struct dsn status;
	struct report_text text;
	size_t text_seen;
};

/* ---- bin/relaywatch-classify.c ----------------------------------------- */

extern int verbose;
extern long long now;
extern struct conf conf;
extern struct keys keys;

/* ---- bin/classify/message.c -------------------------------------------- */

extern const struct mime_walker walker;
extern struct classify_seen seen;

void token_candidate(void *arg, const char *w, size_t n, int src);
void find_tokens(const char *s, size_t n, int src);
void find_tokens_end(int src);

/* ---- bin/classify/verdict.c -------------------------------------------- */

void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *variant_text(unsigned v);
void kv(const char *k, const char *v);
void verdict_begin(const struct ip *ip, enum status status);
int verdict_print(void);
void verdict_clear(void);

/* ---- bin/classify/nets.c ----------------------------------------------- */

extern int held_via;

int in_netblocks(const struct ip *ip);
int farm_entry(char *why, size_t whysz);
void farm_kv(int k);

#endif
