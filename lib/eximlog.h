/*
 * Exim main-log lines: which host sent a message.  Two kinds of line name
 * one: arrivals ("<=") from a remote host, and the marker that
 * share/exim4's DATA ACL writes ("RELAYWATCH ip=ADDRESS").  The HELO in an
 * arrival line is chosen by the client: the parser returns the address
 * that Exim wrote for the connection, or refuses the line, never an
 * address a client wrote.
 *
 * A syslog line says where it came from (source); a failed lookup of a DNS
 * list ("DNS list lookup defer") says that a smart host that asks our zone
 * cannot.
 *
 * And what became of our probes: a delivery ("=>") through the probes'
 * transport, relaywatch_smtp, says that the customer's host accepted one;
 * a deferral ("==") through it, why it could not be delivered yet.
 */
#ifndef RW_EXIMLOG_H
#define RW_EXIMLOG_H

#include <stddef.h>

#include "ip.h"

enum eximlog_kind {
	EL_OTHER = 0,		/* not an arrival nor a marker */
	EL_ARRIVAL,		/* arrival from a remote host: ip is set */
	EL_MARKER,		/* marker line: ip is set */
	EL_LOCAL,		/* arrival without a remote host */
	EL_BAD,			/* arrival or marker that cannot be trusted */
	EL_PROBE_DELIVERED,	/* a probe accepted by ip: rcpt is set */
	EL_PROBE_DEFERRED,	/* a probe deferred: rcpt and detail are set */
	EL_DNSLIST_DEFER,	/* a DNS list lookup failed: detail is the
				 * name asked */
};

/* The transport of share/exim4/relaywatch-transports that sends probes. */
#define EXIMLOG_PROBE_TRANSPORT "relaywatch_smtp"

struct eximlog {
	enum eximlog_kind kind;
	struct ip ip;
	const char *text;	/* ip as it stands in the line, when that is */
	size_t text_len;	/* its canonical form (text_len 0 if not) */
	const char *msgid;	/* into the line, or NULL */
	size_t msgid_len;
	const char *why;	/* for EL_BAD and EL_LOCAL */
	int marker;		/* the line was a marker (good or bad) */
	const char *local_id;	/* a local arrival's Message-ID (id=), */
	size_t local_id_len;	/* or NULL */
	const char *sender;	/* an arrival's sender, as Exim wrote it */
	size_t sender_len;	/* ("<>" for the null sender) */
	const char *hostname;	/* its host's name as Exim looked it up */
	size_t hostname_len;	/* (forward-confirmed), or NULL */
	const char *helo;	/* its HELO, when it differs from that, or */
	size_t helo_len;	/* NULL: client text */
	const char *rcpt;	/* a probe's recipient, as Exim wrote it */
	size_t rcpt_len;
	const char *detail;	/* a deferral's reason (after "defer (N): ") */
	size_t detail_len;
	const char *source;	/* a syslog line's HOST field (with the */
	size_t source_len;	/* farm's rsyslog, the sender's address or
				 * "local"), or NULL */
};

/* Classify one line (without its newline). */
void eximlog_parse(const char *line, size_t len, struct eximlog *out);

#endif
