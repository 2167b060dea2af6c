/*
 * event.c - an event's JSON line and protobuf message, and field look-up.
 *
 * The JSON form is written by hand into the caller's growing buffer: it is
 * the hot path of `evextract extract` and of every log line, and a tree
 * library would allocate per node. Keys come in one fixed order (event_id,
 * type, article_id, mentions, date, location, the type object, fields,
 * provenance) so the same event always gives the same bytes. A member that is
 * unset is left out: a NULL or empty string, a count below zero, an empty
 * list, an entity without a name. Strings are escaped minimally: '"', '\\'
 * and control characters (as \u00XX); UTF-8 bytes pass through unchanged,
 * since articles are validated on the way in.
 *
 * The protobuf form is built from messages on the stack (arrays sized by the
 * caps of limits.h) that point at the event's own strings, so encoding
 * allocates nothing but the output buffer's growth. event_pb_to_json goes
 * back through a struct event whose strings point into the unpacked message,
 * so a decoded message prints exactly what the original event printed: the
 * two forms carry the same information, and the JSON writer is the only one.
 *
 * Everything here is reentrant; workers call it on their own events.
 */
#include "event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.pb-c.h"

static const char *const ev_weapon_names[] = {
	"missile", "drone", "rocket", "artillery", "bomb", "airstrike", "other",
};
#define EV_NWEAPONS (sizeof(ev_weapon_names) / sizeof(ev_weapon_names[0]))

static int ev_set(const char *s)
{
	return s && *s;
}

void event_init(struct event *e)
{
	memset(e, 0, sizeof(*e));
	e->date.prec = DATES_NONE;
	e->killed = -1;
	e->injured = -1;
	e->participant_count = -1;
	e->partition = -1;
	e->offset = -1;
}

unsigned event_weapon_bit(const char *name)
{
	if (!name)
		return 0;
	for (size_t i = 0; i < EV_NWEAPONS; i++)
		if (strcmp(name, ev_weapon_names[i]) == 0)
			return 1u << i;
	return 0;
}

const char *event_weapon_name(unsigned bit)
{
	for (size_t i = 0; i < EV_NWEAPONS; i++)
		if (bit == 1u << i)
			return ev_weapon_names[i];
	return NULL;
}

/* ---- growing buffer ---------------------------------------------------- */

/* Makes room for need more bytes after *len (plus a NUL). Returns 0 or -1. */
static int ev_reserve(char **buf, size_t *len, size_t *cap, size_t need)
{
	size_t want = *len + need + 1, ncap;
	char *p;

	if (want < *len)
		return -1;
	if (*buf && want <= *cap)
		return 0;
	ncap = *cap ? *cap : 256;
	while (ncap < want) {
		if (ncap > (size_t)-1 / 2)
			return -1;
		ncap *= 2;
	}
	p = realloc(*buf, ncap);
	if (!p)
		return -1;
	*buf = p;
	*cap = ncap;
	return 0;
}

/* A JSON writer over the caller's buffer; oom sticks until the end, where
 * the caller's length is left unchanged on failure. */
struct jw {
	char *p;
	size_t len, cap;
	int oom;
};

static void jw_raw(struct jw *w, const char *s, size_t n)
{
	if (w->oom)
		return;
	if (ev_reserve(&w->p, &w->len, &w->cap, n) < 0) {
		w->oom = 1;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
	w->p[w->len] = '\0';
}

static void jw_lit(struct jw *w, const char *s)
{
	jw_raw(w, s, strlen(s));
}

static void jw_str(struct jw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t run = 0;

	jw_raw(w, "\"", 1);
	for (;;) {
		unsigned char c = u[run];

		if (c >= 0x20 && c != '"' && c != '\\') {
			run++;
			continue;
		}
		jw_raw(w, (const char *)u, run);
		if (c == '\0')
			break;
		if (c == '"') {
			jw_raw(w, "\\\"", 2);
		} else if (c == '\\') {
			jw_raw(w, "\\\\", 2);
		} else {
			char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

			jw_raw(w, esc, 6);
		}
		u += run + 1;
		run = 0;
	}
	jw_raw(w, "\"", 1);
}

/* Writes ',' unless the last byte opened an object or array, then "key":. */
static void jw_key(struct jw *w, const char *key)
{
	if (w->len > 0 && w->p[w->len - 1] != '{' && w->p[w->len - 1] != '[')
		jw_raw(w, ",", 1);
	jw_raw(w, "\"", 1);
	jw_lit(w, key);
	jw_raw(w, "\":", 2);
}

/* Writes ',' before an array element or a fields member unless first. */
static void jw_sep(struct jw *w)
{
	if (w->len > 0 && w->p[w->len - 1] != '[' && w->p[w->len - 1] != '{')
		jw_raw(w, ",", 1);
}

static void jw_int(struct jw *w, long long v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	jw_raw(w, tmp + i, sizeof(tmp) - i);
}

static void jw_entity(struct jw *w, const struct ev_entity *en)
{
	jw_raw(w, "{", 1);
	jw_key(w, "name");
	jw_str(w, en->name);
	if (ev_set(en->code)) {
		jw_key(w, "country_code");
		jw_str(w, en->code);
	}
	jw_raw(w, "}", 1);
}

static void jw_opt_entity(struct jw *w, const char *key, const struct ev_entity *en)
{
	if (!ev_set(en->name))
		return;
	jw_key(w, key);
	jw_entity(w, en);
}

static void jw_opt_str(struct jw *w, const char *key, const char *s)
{
	if (!ev_set(s))
		return;
	jw_key(w, key);
	jw_str(w, s);
}

static void jw_opt_count(struct jw *w, const char *key, long v)
{
	if (v < 0)
		return;
	jw_key(w, key);
	jw_int(w, v);
}

/* A list of entities; those without a name are skipped. */
static void jw_entities(struct jw *w, const char *key,
			const struct ev_entity *list, size_t n)
{
	size_t shown = 0;

	if (n > EVX_MAX_LIST_VALUES)
		n = EVX_MAX_LIST_VALUES;
	for (size_t i = 0; i < n; i++)
		shown += ev_set(list[i].name);
	if (!shown)
		return;
	jw_key(w, key);
	jw_raw(w, "[", 1);
	for (size_t i = 0; i < n; i++) {
		if (!ev_set(list[i].name))
			continue;
		jw_sep(w);
		jw_entity(w, &list[i]);
	}
	jw_raw(w, "]", 1);
}

int event_to_json(const struct event *e, char **buf, size_t *len, size_t *cap)
{
	struct jw w = { *buf, *len, *cap, 0 };
	size_t nm = e->nmentions < EVX_MAX_MENTIONS_PER_EVENT ? e->nmentions
							       : EVX_MAX_MENTIONS_PER_EVENT;
	size_t nf = e->nfields < EVX_MAX_LIST_VALUES ? e->nfields : EVX_MAX_LIST_VALUES;
	const char *type = e->type ? e->type : "";

	jw_raw(&w, "{", 1);
	jw_key(&w, "event_id");
	jw_str(&w, e->event_id);
	jw_key(&w, "type");
	jw_str(&w, type);
	jw_key(&w, "article_id");
	jw_str(&w, e->article_id);

	jw_key(&w, "mentions");
	jw_raw(&w, "[", 1);
	for (size_t i = 0; i < nm; i++) {
		const struct ev_mention *m = &e->mentions[i];

		jw_sep(&w);
		jw_raw(&w, "{", 1);
		jw_key(&w, "start");
		jw_int(&w, m->start);
		jw_key(&w, "end");
		jw_int(&w, m->end);
		jw_key(&w, "text");
		jw_str(&w, m->text);
		jw_key(&w, "rule");
		jw_str(&w, m->rule);
		jw_key(&w, "rule_revision");
		jw_int(&w, m->revision);
		jw_raw(&w, "}", 1);
	}
	jw_raw(&w, "]", 1);

	if (e->date.prec != DATES_NONE) {
		char d[16];

		dates_format(&e->date, d, sizeof(d));
		jw_opt_str(&w, "date", d);
	}
	jw_opt_entity(&w, "location", &e->location);

	if (strcmp(type, "STRIKE") == 0) {
		jw_key(&w, "strike");
		jw_raw(&w, "{", 1);
		jw_opt_entity(&w, "attacker", &e->attacker);
		if (e->weapons & ((1u << EV_NWEAPONS) - 1)) {
			jw_key(&w, "weapons");
			jw_raw(&w, "[", 1);
			for (size_t i = 0; i < EV_NWEAPONS; i++) {
				if (!(e->weapons & (1u << i)))
					continue;
				jw_sep(&w);
				jw_str(&w, ev_weapon_names[i]);
			}
			jw_raw(&w, "]", 1);
		}
		jw_opt_count(&w, "killed", e->killed);
		jw_opt_count(&w, "injured", e->injured);
		jw_raw(&w, "}", 1);
	} else if (strcmp(type, "SUMMIT") == 0) {
		jw_key(&w, "summit");
		jw_raw(&w, "{", 1);
		jw_opt_str(&w, "name", e->name);
		jw_entities(&w, "participants", e->participants, e->nparticipants);
		jw_entities(&w, "hosts", e->hosts, e->nhosts);
		jw_opt_count(&w, "participant_count", e->participant_count);
		jw_opt_str(&w, "format", e->format);
		jw_opt_str(&w, "status", e->status);
		jw_raw(&w, "}", 1);
	} else if (strcmp(type, "SANCTIONS_PLEDGE") == 0) {
		jw_key(&w, "sanctions_pledge");
		jw_raw(&w, "{", 1);
		jw_entities(&w, "pledgers", e->pledgers, e->npledgers);
		jw_opt_entity(&w, "target", &e->target);
		jw_opt_str(&w, "measure", e->measure);
		jw_opt_str(&w, "condition", e->condition);
		jw_opt_str(&w, "modality", e->modality);
		jw_raw(&w, "}", 1);
	}

	if (nf) {
		jw_key(&w, "fields");
		jw_raw(&w, "{", 1);
		for (size_t i = 0; i < nf; i++) {
			jw_sep(&w);
			jw_str(&w, e->fields[i].key);
			jw_raw(&w, ":", 1);
			jw_str(&w, e->fields[i].val);
		}
		jw_raw(&w, "}", 1);
	}

	jw_key(&w, "provenance");
	jw_raw(&w, "{", 1);
	jw_opt_str(&w, "topic", e->topic);
	jw_key(&w, "partition");
	jw_int(&w, e->partition);
	jw_key(&w, "offset");
	jw_int(&w, e->offset);
	jw_key(&w, "rule_pack");
	jw_str(&w, e->rule_pack);
	jw_key(&w, "rule_pack_version");
	jw_str(&w, e->rule_pack_version);
	jw_raw(&w, "}}", 2);

	/* The buffer may have moved even when we failed later: keep it. */
	*buf = w.p;
	*cap = w.cap;
	if (w.oom) {
		if (*buf)
			(*buf)[*len] = '\0';
		return -1;
	}
	*len = w.len;
	return 0;
}

/* ---- protobuf ---------------------------------------------------------- */

/* Stack storage for one Event message and its sub-messages. */
struct ev_pb {
	Evextract__V1__Event ev;
	Evextract__V1__Mention men[EVX_MAX_MENTIONS_PER_EVENT];
	Evextract__V1__Mention *menp[EVX_MAX_MENTIONS_PER_EVENT];
	Evextract__V1__Entity location, attacker, target;
	Evextract__V1__Entity part[EVX_MAX_LIST_VALUES], host[EVX_MAX_LIST_VALUES],
		pled[EVX_MAX_LIST_VALUES];
	Evextract__V1__Entity *partp[EVX_MAX_LIST_VALUES], *hostp[EVX_MAX_LIST_VALUES],
		*pledp[EVX_MAX_LIST_VALUES];
	char *weapons[EV_NWEAPONS];
	Evextract__V1__Strike strike;
	Evextract__V1__Summit summit;
	Evextract__V1__SanctionsPledge sp;
	Evextract__V1__Event__FieldsEntry fld[EVX_MAX_LIST_VALUES];
	Evextract__V1__Event__FieldsEntry *fldp[EVX_MAX_LIST_VALUES];
	Evextract__V1__Provenance prov;
	char date[16];
};

/* The generated messages hold char *; they only read our strings. */
static char *ev_cs(const char *s)
{
	return (char *)s;
}

static Evextract__V1__Entity *ev_pb_entity(Evextract__V1__Entity *m,
					   const struct ev_entity *en)
{
	if (!ev_set(en->name))
		return NULL;
	evextract__v1__entity__init(m);
	m->name = ev_cs(en->name);
	m->country_code = ev_set(en->code) ? ev_cs(en->code) : NULL;
	return m;
}

static size_t ev_pb_entities(Evextract__V1__Entity *ms, Evextract__V1__Entity **ps,
			     const struct ev_entity *list, size_t n)
{
	size_t k = 0;

	if (n > EVX_MAX_LIST_VALUES)
		n = EVX_MAX_LIST_VALUES;
	for (size_t i = 0; i < n; i++)
		if (ev_pb_entity(&ms[k], &list[i]))
			ps[k] = &ms[k], k++;
	return k;
}

static void ev_pb_fill(struct ev_pb *pb, const struct event *e)
{
	Evextract__V1__Event *m = &pb->ev;
	size_t nm = e->nmentions < EVX_MAX_MENTIONS_PER_EVENT ? e->nmentions
							       : EVX_MAX_MENTIONS_PER_EVENT;
	size_t nf = e->nfields < EVX_MAX_LIST_VALUES ? e->nfields : EVX_MAX_LIST_VALUES;
	const char *type = e->type ? e->type : "";

	evextract__v1__event__init(m);
	m->event_id = ev_cs(e->event_id);
	m->type = ev_cs(type);
	m->article_id = ev_cs(e->article_id ? e->article_id : "");
	for (size_t i = 0; i < nm; i++) {
		Evextract__V1__Mention *mm = &pb->men[i];
		const struct ev_mention *em = &e->mentions[i];

		evextract__v1__mention__init(mm);
		mm->has_start = mm->has_end = mm->has_rule_revision = 1;
		mm->start = em->start;
		mm->end = em->end;
		mm->text = ev_cs(em->text);
		mm->rule = ev_cs(em->rule);
		mm->rule_revision = (uint32_t)em->revision;
		pb->menp[i] = mm;
	}
	m->n_mentions = nm;
	m->mentions = pb->menp;
	if (e->date.prec != DATES_NONE) {
		dates_format(&e->date, pb->date, sizeof(pb->date));
		if (pb->date[0])
			m->date = pb->date;
	}
	m->location = ev_pb_entity(&pb->location, &e->location);

	if (strcmp(type, "STRIKE") == 0) {
		Evextract__V1__Strike *s = &pb->strike;
		size_t nw = 0;

		evextract__v1__strike__init(s);
		s->attacker = ev_pb_entity(&pb->attacker, &e->attacker);
		for (size_t i = 0; i < EV_NWEAPONS; i++)
			if (e->weapons & (1u << i))
				pb->weapons[nw++] = ev_cs(ev_weapon_names[i]);
		s->n_weapons = nw;
		s->weapons = pb->weapons;
		s->has_killed = e->killed >= 0;
		s->killed = e->killed;
		s->has_injured = e->injured >= 0;
		s->injured = e->injured;
		m->strike = s;
	} else if (strcmp(type, "SUMMIT") == 0) {
		Evextract__V1__Summit *s = &pb->summit;

		evextract__v1__summit__init(s);
		s->name = ev_set(e->name) ? ev_cs(e->name) : NULL;
		s->n_participants = ev_pb_entities(pb->part, pb->partp,
						   e->participants, e->nparticipants);
		s->participants = pb->partp;
		s->n_hosts = ev_pb_entities(pb->host, pb->hostp, e->hosts, e->nhosts);
		s->hosts = pb->hostp;
		s->has_participant_count = e->participant_count >= 0;
		s->participant_count = e->participant_count;
		s->format = ev_set(e->format) ? ev_cs(e->format) : NULL;
		s->status = ev_set(e->status) ? ev_cs(e->status) : NULL;
		m->summit = s;
	} else if (strcmp(type, "SANCTIONS_PLEDGE") == 0) {
		Evextract__V1__SanctionsPledge *s = &pb->sp;

		evextract__v1__sanctions_pledge__init(s);
		s->n_pledgers = ev_pb_entities(pb->pled, pb->pledp, e->pledgers,
					       e->npledgers);
		s->pledgers = pb->pledp;
		s->target = ev_pb_entity(&pb->target, &e->target);
		s->measure = ev_set(e->measure) ? ev_cs(e->measure) : NULL;
		s->condition = ev_set(e->condition) ? ev_cs(e->condition) : NULL;
		s->modality = ev_set(e->modality) ? ev_cs(e->modality) : NULL;
		m->sanctions_pledge = s;
	}

	for (size_t i = 0; i < nf; i++) {
		evextract__v1__event__fields_entry__init(&pb->fld[i]);
		pb->fld[i].key = ev_cs(e->fields[i].key ? e->fields[i].key : "");
		pb->fld[i].value = ev_cs(e->fields[i].val ? e->fields[i].val : "");
		pb->fldp[i] = &pb->fld[i];
	}
	m->n_fields = nf;
	m->fields = pb->fldp;

	evextract__v1__provenance__init(&pb->prov);
	pb->prov.topic = ev_set(e->topic) ? ev_cs(e->topic) : NULL;
	pb->prov.has_partition = pb->prov.has_offset = 1;
	pb->prov.partition = e->partition;
	pb->prov.offset = e->offset;
	pb->prov.rule_pack = ev_cs(e->rule_pack);
	pb->prov.rule_pack_version = ev_cs(e->rule_pack_version);
	m->provenance = &pb->prov;
}

int event_to_pb(const struct event *e, int delimited, char **buf, size_t *len,
		size_t *cap)
{
	struct ev_pb pb;
	size_t size, vlen = 0;
	uint8_t *out;

	ev_pb_fill(&pb, e);
	size = evextract__v1__event__get_packed_size(&pb.ev);
	if (ev_reserve(buf, len, cap, size + 10) < 0)
		return -1;
	out = (uint8_t *)*buf + *len;
	if (delimited) {
		uint64_t v = size;

		do {
			uint8_t b = v & 0x7F;

			v >>= 7;
			out[vlen++] = v ? (b | 0x80) : b;
		} while (v);
	}
	*len += vlen + evextract__v1__event__pack(&pb.ev, out + vlen);
	return 0;
}

/* Parses "YYYY", "YYYY-MM" or "YYYY-MM-DD". Returns 0 or -1. */
static int ev_parse_date(const char *s, struct date_val *dv)
{
	size_t n = strlen(s);
	int v[3] = { 0, 0, 0 };
	static const size_t at[3] = { 0, 5, 8 }, w[3] = { 4, 2, 2 };
	int parts;

	if (n == 4)
		parts = 1;
	else if (n == 7 && s[4] == '-')
		parts = 2;
	else if (n == 10 && s[4] == '-' && s[7] == '-')
		parts = 3;
	else
		return -1;
	for (int p = 0; p < parts; p++) {
		for (size_t i = at[p]; i < at[p] + w[p]; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			v[p] = v[p] * 10 + (s[i] - '0');
		}
	}
	if (parts >= 2 && (v[1] < 1 || v[1] > 12))
		return -1;
	if (parts == 3 && (v[2] < 1 || v[2] > 31))
		return -1;
	dv->y = v[0];
	dv->m = v[1];
	dv->d = v[2];
	dv->prec = parts == 1 ? DATES_YEAR : parts == 2 ? DATES_MONTH : DATES_DAY;
	return 0;
}

static void ev_from_entity(struct ev_entity *en, const Evextract__V1__Entity *m)
{
	if (!m)
		return;
	en->name = m->name;
	en->code = m->country_code;
}

static int ev_from_entities(struct ev_entity *list, size_t *n,
			    Evextract__V1__Entity *const *ms, size_t nm)
{
	if (nm > EVX_MAX_LIST_VALUES)
		return -1;
	for (size_t i = 0; i < nm; i++)
		ev_from_entity(&list[i], ms[i]);
	*n = nm;
	return 0;
}

/* Points e's strings into m. Returns 0, or -1 when m holds what no struct
 * event can (more items than the caps, an unknown weapon, a bad date). */
static int ev_from_pb(struct event *e, const Evextract__V1__Event *m)
{
	event_init(e);
	if (m->event_id) {
		if (strlen(m->event_id) >= sizeof(e->event_id))
			return -1;
		strcpy(e->event_id, m->event_id);
	}
	e->type = m->type;
	e->article_id = m->article_id;
	if (m->n_mentions > EVX_MAX_MENTIONS_PER_EVENT)
		return -1;
	for (size_t i = 0; i < m->n_mentions; i++) {
		const Evextract__V1__Mention *mm = m->mentions[i];

		e->mentions[i].start = mm->start;
		e->mentions[i].end = mm->end;
		e->mentions[i].text = mm->text;
		e->mentions[i].rule = mm->rule;
		e->mentions[i].revision = (int)mm->rule_revision;
	}
	e->nmentions = m->n_mentions;
	if (ev_set(m->date) && ev_parse_date(m->date, &e->date) < 0)
		return -1;
	ev_from_entity(&e->location, m->location);
	if (m->strike) {
		const Evextract__V1__Strike *s = m->strike;

		ev_from_entity(&e->attacker, s->attacker);
		for (size_t i = 0; i < s->n_weapons; i++) {
			unsigned bit = event_weapon_bit(s->weapons[i]);

			if (!bit)
				return -1;
			e->weapons |= bit;
		}
		if (s->has_killed)
			e->killed = (long)s->killed;
		if (s->has_injured)
			e->injured = (long)s->injured;
	}
	if (m->summit) {
		const Evextract__V1__Summit *s = m->summit;

		e->name = s->name;
		if (ev_from_entities(e->participants, &e->nparticipants,
				     s->participants, s->n_participants) < 0 ||
		    ev_from_entities(e->hosts, &e->nhosts, s->hosts, s->n_hosts) < 0)
			return -1;
		if (s->has_participant_count)
			e->participant_count = (long)s->participant_count;
		e->format = s->format;
		e->status = s->status;
	}
	if (m->sanctions_pledge) {
		const Evextract__V1__SanctionsPledge *s = m->sanctions_pledge;

		if (ev_from_entities(e->pledgers, &e->npledgers, s->pledgers,
				     s->n_pledgers) < 0)
			return -1;
		ev_from_entity(&e->target, s->target);
		e->measure = s->measure;
		e->condition = s->condition;
		e->modality = s->modality;
	}
	if (m->n_fields > EVX_MAX_LIST_VALUES)
		return -1;
	for (size_t i = 0; i < m->n_fields; i++) {
		e->fields[i].key = m->fields[i]->key ? m->fields[i]->key : "";
		e->fields[i].val = m->fields[i]->value ? m->fields[i]->value : "";
	}
	e->nfields = m->n_fields;
	if (m->provenance) {
		const Evextract__V1__Provenance *p = m->provenance;

		e->topic = p->topic;
		if (p->has_partition)
			e->partition = p->partition;
		if (p->has_offset)
			e->offset = p->offset;
		e->rule_pack = p->rule_pack;
		e->rule_pack_version = p->rule_pack_version;
	}
	return 0;
}

int event_pb_to_json(const uint8_t *msg, size_t len, char **buf, size_t *blen,
		     size_t *cap)
{
	Evextract__V1__Event *m = evextract__v1__event__unpack(NULL, len, msg);
	struct event *e = NULL;
	int rc = -1;

	if (!m)
		goto out;
	e = malloc(sizeof(*e));
	if (!e || ev_from_pb(e, m) < 0)
		goto out;
	rc = event_to_json(e, buf, blen, cap);
out:
	free(e);
	if (m)
		evextract__v1__event__free_unpacked(m, NULL);
	return rc;
}

/* ---- field look-up ----------------------------------------------------- */

static size_t ev_put(const char **vals, size_t n, size_t max, const char *s)
{
	if (n < max && ev_set(s))
		vals[n++] = s;
	return n;
}

static size_t ev_put_names(const char **vals, size_t max,
			   const struct ev_entity *list, size_t nlist)
{
	size_t n = 0;

	if (nlist > EVX_MAX_LIST_VALUES)
		nlist = EVX_MAX_LIST_VALUES;
	for (size_t i = 0; i < nlist; i++)
		n = ev_put(vals, n, max, list[i].name);
	return n;
}

/* Formats v into buf (scratch) when v >= 0 and it fits. */
static size_t ev_put_count(const char **vals, size_t max, long v, char *buf,
			   size_t bufsize)
{
	if (v < 0 || max == 0 || !buf)
		return 0;
	int k = snprintf(buf, bufsize, "%ld", v);
	if (k < 0 || (size_t)k >= bufsize)
		return 0;
	vals[0] = buf;
	return 1;
}

static int ev_key_is(const char *key, const char *a, const char *b)
{
	return strcmp(key, a) == 0 || (b && strcmp(key, b) == 0);
}

size_t event_field_values(const struct event *e, const char *key,
			  const char **vals, size_t max, char *buf,
			  size_t bufsize)
{
	size_t n = 0;

	if (!key || max == 0)
		return 0;
	if (strcmp(key, "type") == 0) {
		n = ev_put(vals, 0, max, e->type);
	} else if (strcmp(key, "article_id") == 0) {
		n = ev_put(vals, 0, max, e->article_id);
	} else if (strcmp(key, "attacker") == 0) {
		n = ev_put(vals, 0, max, e->attacker.name);
	} else if (strcmp(key, "location") == 0) {
		n = ev_put(vals, 0, max, e->location.name);
	} else if (strcmp(key, "target") == 0) {
		n = ev_put(vals, 0, max, e->target.name);
	} else if (strcmp(key, "name") == 0) {
		n = ev_put(vals, 0, max, e->name);
	} else if (strcmp(key, "format") == 0) {
		n = ev_put(vals, 0, max, e->format);
	} else if (strcmp(key, "status") == 0) {
		n = ev_put(vals, 0, max, e->status);
	} else if (strcmp(key, "measure") == 0) {
		n = ev_put(vals, 0, max, e->measure);
	} else if (strcmp(key, "condition") == 0) {
		n = ev_put(vals, 0, max, e->condition);
	} else if (strcmp(key, "modality") == 0) {
		n = ev_put(vals, 0, max, e->modality);
	} else if (ev_key_is(key, "weapons", "weapon")) {
		for (size_t i = 0; i < EV_NWEAPONS; i++)
			if (e->weapons & (1u << i))
				n = ev_put(vals, n, max, ev_weapon_names[i]);
	} else if (strcmp(key, "killed") == 0) {
		n = ev_put_count(vals, max, e->killed, buf, bufsize);
	} else if (strcmp(key, "injured") == 0) {
		n = ev_put_count(vals, max, e->injured, buf, bufsize);
	} else if (ev_key_is(key, "participant_count", "count")) {
		n = ev_put_count(vals, max, e->participant_count, buf, bufsize);
	} else if (strcmp(key, "date") == 0) {
		if (e->date.prec != DATES_NONE && buf && bufsize >= 11 &&
		    dates_format(&e->date, buf, bufsize) > 0)
			n = ev_put(vals, 0, max, buf);
	} else if (ev_key_is(key, "participants", "participant")) {
		n = ev_put_names(vals, max, e->participants, e->nparticipants);
	} else if (ev_key_is(key, "hosts", "host")) {
		n = ev_put_names(vals, max, e->hosts, e->nhosts);
	} else if (ev_key_is(key, "pledgers", "pledger")) {
		n = ev_put_names(vals, max, e->pledgers, e->npledgers);
	}
	if (n > 0)
		return n;
	/* Unknown keys, and known ones a pack's own type fills as captures. */
	for (size_t i = 0; i < e->nfields && i < EVX_MAX_LIST_VALUES; i++)
		if (e->fields[i].key && strcmp(e->fields[i].key, key) == 0)
			n = ev_put(vals, n, max, e->fields[i].val);
	return n;
}
