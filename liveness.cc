// SPDX-License-Identifier: ISC
#include "liveness.h"

#include <errno.h>
#include <stdio.h>

#include "forward.h"
#include "peer.h"
#include "log.h"

void liveness_name(struct liveness *l, const char *role, const struct peer_id *id)
{
	char text[ID_TEXT_MAX];
	snprintf(l->who, sizeof l->who, "%s%s%s", role, id ? " " : "", id ? id_format(id, text) : "");
}

void liveness_start(struct liveness *l, const char *role, const struct peer_id *id, int tun_fd,
    const char *tun_name, int64_t now)
{
	liveness_name(l, role, id);
	l->tun_fd = tun_fd;
	l->tun_name = tun_name;
	l->heard = now;
}

const char *liveness_tun_name(const struct liveness *l, char name[TUN_NAME_MAX])
{
	if (l->tun_fd == -1)
		return "-";
	if (tun_name_of(l->tun_fd, name) == -1)
		snprintf(name, TUN_NAME_MAX, "%s", l->tun_name);
	return name;
}

void liveness_carrier(struct liveness *l, bool on)
{
	static bool unsettable_logged;
	char name[TUN_NAME_MAX];
	l->off = !on;
	liveness_tun_name(l, name);
	if (tun_set_carrier(l->tun_fd, on) == -1 && !unsettable_logged) {
		unsettable_logged = true;
		log_warn("cannot set the carrier of %s; only the log tells of silent peers", name);
	}
	if (on)
		log_info("%s heard again: carrier of %s on", l->who, name);
	else
		log_warnx("%s silent: carrier of %s off", l->who, name);
}

bool liveness_silent(struct liveness *l, int64_t now, int64_t timeout_ms)
{
	if (timeout_ms == 0 || !ticks_past(now, l->heard, timeout_ms))
		return false;
	if (!l->off)
		liveness_carrier(l, false);
	return true;
}

void liveness_status(const struct liveness *l, bool keyed, const struct udp_addr *addr,
    const struct forward_shared *sent, int64_t now, int64_t session_born)
{
	char where[ADDR_TEXT_MAX], name[TUN_NAME_MAX], session[48] = "";
	if (keyed && session_born != 0)
		snprintf(session, sizeof session, ", session %lld s old",
		    (long long)((now - session_born) / 1000));
	else if (keyed)
		snprintf(session, sizeof session, ", no session");
	log_info("status: %s %s %s tun %s carrier %s, heard %lld s ago, received %llu datagrams "
	    "%llu bytes, sent %llu datagrams %llu bytes%s", l->who, keyed ? "keyed" : "plain",
	    addr_format(addr, where), liveness_tun_name(l, name), l->off ? "off" : "on",
	    (long long)((now - l->heard) / 1000), (unsigned long long)l->datagrams,
	    (unsigned long long)l->bytes, (unsigned long long)(sent ? sent->datagrams : 0),
	    (unsigned long long)(sent ? sent->bytes : 0), session);
}
