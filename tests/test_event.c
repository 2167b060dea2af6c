/*
 * test_event.c - an event's JSON line (golden strings written by hand), its
 * protobuf round trip byte for byte, and field look-up by name.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "event.h"

static void mention(struct event *e, uint32_t start, uint32_t end,
		    const char *text, const char *rule, int rev)
{
	struct ev_mention *m = &e->mentions[e->nmentions++];

	m->start = start;
	m->end = end;
	m->text = text;
	m->rule = rule;
	m->revision = rev;
}

static void make_strike(struct event *e)
{
	event_init(e);
	strcpy(e->event_id, "0123456789abcdef0123456789abcdef");
	e->type = "STRIKE";
	e->article_id = "t-1";
	mention(e, 10, 42, "Rockets hit \"Port A\"\tovernight", "strike.hit", 3);
	e->date = (struct date_val){ 2025, 9, 4, DATES_DAY };
	e->location = (struct ev_entity){ "Port A", "UA" };
	e->attacker = (struct ev_entity){ "Russia", "RU" };
	e->weapons = EV_WEAPON_ROCKET | EV_WEAPON_MISSILE;
	e->killed = 0;
	e->fields[0] = (struct ev_field){ "victims", "two workers" };
	e->nfields = 1;
	e->topic = "articles";
	e->partition = 0;
	e->offset = 41;
	e->rule_pack = "core";
	e->rule_pack_version = "1.0.0";
}

static const char strike_json[] =
	"{\"event_id\":\"0123456789abcdef0123456789abcdef\",\"type\":\"STRIKE\","
	"\"article_id\":\"t-1\",\"mentions\":[{\"start\":10,\"end\":42,"
	"\"text\":\"Rockets hit \\\"Port A\\\"\\u0009overnight\",\"rule\":\"strike.hit\","
	"\"rule_revision\":3}],\"date\":\"2025-09-04\","
	"\"location\":{\"name\":\"Port A\",\"country_code\":\"UA\"},"
	"\"strike\":{\"attacker\":{\"name\":\"Russia\",\"country_code\":\"RU\"},"
	"\"weapons\":[\"missile\",\"rocket\"],\"killed\":0},"
	"\"fields\":{\"victims\":\"two workers\"},"
	"\"provenance\":{\"topic\":\"articles\",\"partition\":0,\"offset\":41,"
	"\"rule_pack\":\"core\",\"rule_pack_version\":\"1.0.0\"}}";

static void make_summit(struct event *e)
{
	event_init(e);
	strcpy(e->event_id, "ffffffffffffffffffffffffffffffff");
	e->type = "SUMMIT";
	e->article_id = "t-2";
	mention(e, 0, 20, "leaders met in Berne", "summit.met", 1);
	mention(e, 300, 329, "the \xe2\x80\x9cLake Group\xe2\x80\x9d summit", "summit.named", 12);
	e->location = (struct ev_entity){ "Berne", NULL };
	e->name = "Lake Group";
	e->participants[0] = (struct ev_entity){ "Ana Lopez", "ES" };
	e->participants[1] = (struct ev_entity){ "Kofi Mensah", "" };
	e->nparticipants = 2;
	e->hosts[0] = (struct ev_entity){ "Ana Lopez", "ES" };
	e->nhosts = 1;
	e->participant_count = 30;
	e->format = "hybrid";
	e->status = "held";
	e->rule_pack = "core";
	e->rule_pack_version = "2.1.0";
}

static const char summit_json[] =
	"{\"event_id\":\"ffffffffffffffffffffffffffffffff\",\"type\":\"SUMMIT\","
	"\"article_id\":\"t-2\",\"mentions\":["
	"{\"start\":0,\"end\":20,\"text\":\"leaders met in Berne\",\"rule\":\"summit.met\",\"rule_revision\":1},"
	"{\"start\":300,\"end\":329,\"text\":\"the \xe2\x80\x9cLake Group\xe2\x80\x9d summit\","
	"\"rule\":\"summit.named\",\"rule_revision\":12}],"
	"\"location\":{\"name\":\"Berne\"},"
	"\"summit\":{\"name\":\"Lake Group\",\"participants\":[{\"name\":\"Ana Lopez\",\"country_code\":\"ES\"},"
	"{\"name\":\"Kofi Mensah\"}],\"hosts\":[{\"name\":\"Ana Lopez\",\"country_code\":\"ES\"}],"
	"\"participant_count\":30,\"format\":\"hybrid\",\"status\":\"held\"},"
	"\"provenance\":{\"partition\":-1,\"offset\":-1,\"rule_pack\":\"core\",\"rule_pack_version\":\"2.1.0\"}}";

static void make_pledge(struct event *e)
{
	event_init(e);
	strcpy(e->event_id, "00000000000000000000000000000001");
	e->type = "SANCTIONS_PLEDGE";
	e->article_id = "t-3";
	mention(e, 5, 60, "the bloc will impose tariffs if talks fail", "sanctions.will", -1);
	e->date = (struct date_val){ 2025, 8, 0, DATES_MONTH };
	e->pledgers[0] = (struct ev_entity){ "European Union", "EU" };
	e->pledgers[1] = (struct ev_entity){ "Canada", "CA" };
	e->npledgers = 2;
	e->target = (struct ev_entity){ "Freedonia", NULL };
	e->measure = "tariffs";
	e->condition = "if talks fail";
	e->modality = "threat";
	e->topic = "in";
	e->partition = 7;
	e->offset = 123456789012LL;
	e->rule_pack = "core";
	e->rule_pack_version = "1.0.0";
}

static const char pledge_json[] =
	"{\"event_id\":\"00000000000000000000000000000001\",\"type\":\"SANCTIONS_PLEDGE\","
	"\"article_id\":\"t-3\",\"mentions\":[{\"start\":5,\"end\":60,"
	"\"text\":\"the bloc will impose tariffs if talks fail\",\"rule\":\"sanctions.will\","
	"\"rule_revision\":-1}],\"date\":\"2025-08\","
	"\"sanctions_pledge\":{\"pledgers\":[{\"name\":\"European Union\",\"country_code\":\"EU\"},"
	"{\"name\":\"Canada\",\"country_code\":\"CA\"}],\"target\":{\"name\":\"Freedonia\"},"
	"\"measure\":\"tariffs\",\"condition\":\"if talks fail\",\"modality\":\"threat\"},"
	"\"provenance\":{\"topic\":\"in\",\"partition\":7,\"offset\":123456789012,"
	"\"rule_pack\":\"core\",\"rule_pack_version\":\"1.0.0\"}}";

/* A pack's own type: no type object even when built-in members are set. */
static void make_custom(struct event *e)
{
	event_init(e);
	strcpy(e->event_id, "abc");
	e->type = "PROTEST";
	e->article_id = "t-\"4\"";
	mention(e, 1, 2, "a\\b\x01\n\x1f\x7f", "protest.x", 0);
	e->date = (struct date_val){ 2024, 0, 0, DATES_YEAR };
	e->weapons = EV_WEAPON_DRONE;
	e->killed = 3;
	e->attacker = (struct ev_entity){ "Nobody", NULL };
	e->fields[0] = (struct ev_field){ "crowd", "thousands" };
	e->fields[1] = (struct ev_field){ "city", "Tartu" };
	e->fields[2] = (struct ev_field){ "city", "Narva" };
	e->nfields = 3;
	e->rule_pack = "extra";
	e->rule_pack_version = "0.1.0";
}

static const char custom_json[] =
	"{\"event_id\":\"abc\",\"type\":\"PROTEST\",\"article_id\":\"t-\\\"4\\\"\","
	"\"mentions\":[{\"start\":1,\"end\":2,\"text\":\"a\\\\b\\u0001\\u000a\\u001f\x7f\","
	"\"rule\":\"protest.x\",\"rule_revision\":0}],\"date\":\"2024\","
	"\"fields\":{\"crowd\":\"thousands\",\"city\":\"Tartu\",\"city\":\"Narva\"},"
	"\"provenance\":{\"partition\":-1,\"offset\":-1,\"rule_pack\":\"extra\","
	"\"rule_pack_version\":\"0.1.0\"}}";

/* The empty event of a built-in type: an empty type object, nothing unset. */
static void make_empty(struct event *e)
{
	event_init(e);
	e->type = "STRIKE";
}

static const char empty_json[] =
	"{\"event_id\":\"\",\"type\":\"STRIKE\",\"article_id\":\"\",\"mentions\":[],"
	"\"strike\":{},\"provenance\":{\"partition\":-1,\"offset\":-1,\"rule_pack\":\"\","
	"\"rule_pack_version\":\"\"}}";

/* Summit with no list members set, injured only on a strike, empty strings. */
static void make_sparse(struct event *e)
{
	event_init(e);
	strcpy(e->event_id, "1");
	e->type = "SUMMIT";
	e->article_id = "t-6";
	e->name = "";
	e->format = NULL;
	e->status = "scheduled";
	e->participants[0] = (struct ev_entity){ NULL, "FR" };
	e->nparticipants = 1;
	e->topic = "";
	e->rule_pack = "core";
	e->rule_pack_version = "1";
}

static const char sparse_json[] =
	"{\"event_id\":\"1\",\"type\":\"SUMMIT\",\"article_id\":\"t-6\",\"mentions\":[],"
	"\"summit\":{\"status\":\"scheduled\"},\"provenance\":{\"partition\":-1,"
	"\"offset\":-1,\"rule_pack\":\"core\",\"rule_pack_version\":\"1\"}}";

struct golden {
	const char *name;
	void (*make)(struct event *);
	const char *json;
};

static const struct golden goldens[] = {
	{ "strike", make_strike, strike_json },
	{ "summit", make_summit, summit_json },
	{ "pledge", make_pledge, pledge_json },
	{ "custom", make_custom, custom_json },
	{ "empty", make_empty, empty_json },
	{ "sparse", make_sparse, sparse_json },
};
#define NGOLDEN (sizeof(goldens) / sizeof(goldens[0]))

static void test_json_golden(void)
{
	struct event e;
	char *buf = NULL;
	size_t len = 0, cap = 0;

	for (size_t i = 0; i < NGOLDEN; i++) {
		goldens[i].make(&e);
		len = 0;
		CHECK_INT(event_to_json(&e, &buf, &len, &cap), 0);
		if (strcmp(buf, goldens[i].json) != 0)
			fprintf(stderr, "golden \"%s\"\n", goldens[i].name);
		CHECK_STR(buf, goldens[i].json);
		CHECK_INT(len, strlen(goldens[i].json));
		CHECK(memchr(buf, '\n', len) == NULL);
	}
	free(buf);

	/* Appending: two events in one buffer, starting from nothing. */
	buf = NULL;
	len = cap = 0;
	make_strike(&e);
	CHECK_INT(event_to_json(&e, &buf, &len, &cap), 0);
	make_summit(&e);
	CHECK_INT(event_to_json(&e, &buf, &len, &cap), 0);
	CHECK_INT(len, strlen(strike_json) + strlen(summit_json));
	CHECK(strncmp(buf, strike_json, strlen(strike_json)) == 0);
	CHECK_STR(buf + strlen(strike_json), summit_json);
	free(buf);
}

static size_t read_varint(const uint8_t *p, size_t *n)
{
	size_t v = 0;
	int shift = 0;

	*n = 0;
	do {
		v |= (size_t)(p[*n] & 0x7f) << shift;
		shift += 7;
	} while (p[(*n)++] & 0x80);
	return v;
}

static void test_pb_round_trip(void)
{
	struct event e;
	char *pb = NULL, *js = NULL, *js2 = NULL;
	size_t pblen = 0, pbcap = 0, jslen = 0, jscap = 0, js2len = 0, js2cap = 0;

	/* Each event: JSON of the decoded message equals JSON of the event. */
	for (size_t i = 0; i < NGOLDEN; i++) {
		goldens[i].make(&e);
		pblen = jslen = 0;
		CHECK_INT(event_to_pb(&e, 0, &pb, &pblen, &pbcap), 0);
		CHECK(pblen > 0 || i == 4);
		CHECK_INT(event_pb_to_json((const uint8_t *)pb, pblen, &js, &jslen, &jscap), 0);
		if (!js || strcmp(js, goldens[i].json) != 0)
			fprintf(stderr, "round trip \"%s\"\n", goldens[i].name);
		CHECK_STR(js, goldens[i].json);
	}

	/* Delimited: all events in one buffer, each behind its length. */
	pblen = 0;
	js2len = 0;
	for (size_t i = 0; i < NGOLDEN; i++) {
		goldens[i].make(&e);
		CHECK_INT(event_to_pb(&e, 1, &pb, &pblen, &pbcap), 0);
		CHECK_INT(event_to_json(&e, &js2, &js2len, &js2cap), 0);
	}
	jslen = 0;
	for (size_t off = 0, k = 0; off < pblen; k++) {
		size_t vn, n = read_varint((const uint8_t *)pb + off, &vn);

		CHECK(off + vn + n <= pblen);
		if (off + vn + n > pblen)
			break;
		CHECK_INT(event_pb_to_json((const uint8_t *)pb + off + vn, n, &js,
					   &jslen, &jscap), 0);
		off += vn + n;
		if (off == pblen)
			CHECK_INT(k + 1, NGOLDEN);
	}
	CHECK_STR(js, js2);

	/* A message over 127 bytes gets a two-byte length. */
	make_summit(&e);
	pblen = 0;
	CHECK_INT(event_to_pb(&e, 1, &pb, &pblen, &pbcap), 0);
	CHECK((uint8_t)pb[0] & 0x80);
	size_t vn, n = read_varint((const uint8_t *)pb, &vn);
	CHECK_INT(vn, 2);
	CHECK_INT(n + vn, pblen);

	/* Rubbish is not an Event, and the buffer is left as it was. */
	static const uint8_t junk[] = { 0x0a, 0x40, 'x' };
	jslen = 3;
	CHECK_INT(event_pb_to_json(junk, sizeof(junk), &js, &jslen, &jscap), -1);
	CHECK_INT(jslen, 3);
	/* A date outside the contract is refused rather than dropped. */
	static const uint8_t baddate[] = { 0x2a, 0x03, '2', '0', 'x' };
	CHECK_INT(event_pb_to_json(baddate, sizeof(baddate), &js, &jslen, &jscap), -1);
	/* The empty message is an event with nothing set. */
	jslen = 0;
	CHECK_INT(event_pb_to_json((const uint8_t *)"", 0, &js, &jslen, &jscap), 0);
	CHECK_STR(js, "{\"event_id\":\"\",\"type\":\"\",\"article_id\":\"\",\"mentions\":[],"
		      "\"provenance\":{\"partition\":-1,\"offset\":-1,\"rule_pack\":\"\","
		      "\"rule_pack_version\":\"\"}}");
	free(pb);
	free(js);
	free(js2);
}

static void test_weapons(void)
{
	static const char *const names[] = { "missile", "drone", "rocket", "artillery",
					     "bomb", "airstrike", "other" };

	for (unsigned i = 0; i < 7; i++) {
		CHECK_INT(event_weapon_bit(names[i]), 1u << i);
		CHECK_STR(event_weapon_name(1u << i), names[i]);
	}
	CHECK_INT(event_weapon_bit("Missile"), 0);
	CHECK_INT(event_weapon_bit("tank"), 0);
	CHECK_INT(event_weapon_bit(NULL), 0);
	CHECK(event_weapon_name(0) == NULL);
	CHECK(event_weapon_name(3) == NULL);
	CHECK(event_weapon_name(1u << 7) == NULL);
	CHECK_INT(EV_WEAPON_AIRSTRIKE, event_weapon_bit("airstrike"));
}

struct fv_case {
	void (*make)(struct event *);
	const char *key;
	size_t n;
	const char *v[3];
};

static const struct fv_case fv_cases[] = {
	{ make_strike, "attacker", 1, { "Russia" } },
	{ make_strike, "location", 1, { "Port A" } },
	{ make_strike, "weapons", 2, { "missile", "rocket" } },
	{ make_strike, "weapon", 2, { "missile", "rocket" } },
	{ make_strike, "killed", 1, { "0" } },
	{ make_strike, "injured", 0, { NULL } },
	{ make_strike, "date", 1, { "2025-09-04" } },
	{ make_strike, "victims", 1, { "two workers" } },
	{ make_strike, "type", 1, { "STRIKE" } },
	{ make_strike, "nothing", 0, { NULL } },
	{ make_summit, "participants", 2, { "Ana Lopez", "Kofi Mensah" } },
	{ make_summit, "participant", 2, { "Ana Lopez", "Kofi Mensah" } },
	{ make_summit, "hosts", 1, { "Ana Lopez" } },
	{ make_summit, "host", 1, { "Ana Lopez" } },
	{ make_summit, "participant_count", 1, { "30" } },
	{ make_summit, "count", 1, { "30" } },
	{ make_summit, "name", 1, { "Lake Group" } },
	{ make_summit, "format", 1, { "hybrid" } },
	{ make_summit, "status", 1, { "held" } },
	{ make_summit, "date", 0, { NULL } },
	{ make_pledge, "pledgers", 2, { "European Union", "Canada" } },
	{ make_pledge, "pledger", 2, { "European Union", "Canada" } },
	{ make_pledge, "target", 1, { "Freedonia" } },
	{ make_pledge, "measure", 1, { "tariffs" } },
	{ make_pledge, "condition", 1, { "if talks fail" } },
	{ make_pledge, "modality", 1, { "threat" } },
	{ make_pledge, "date", 1, { "2025-08" } },
	{ make_custom, "city", 2, { "Tartu", "Narva" } },
	{ make_custom, "crowd", 1, { "thousands" } },
	{ make_custom, "date", 1, { "2024" } },
	{ make_sparse, "name", 0, { NULL } },
	{ make_sparse, "participants", 0, { NULL } },
};

static void test_field_values(void)
{
	struct event e;
	const char *vals[8];
	char buf[32];

	for (size_t i = 0; i < sizeof(fv_cases) / sizeof(fv_cases[0]); i++) {
		const struct fv_case *c = &fv_cases[i];
		size_t n;

		c->make(&e);
		n = event_field_values(&e, c->key, vals, 8, buf, sizeof(buf));
		if (n != c->n)
			fprintf(stderr, "field case %zu \"%s\"\n", i, c->key);
		CHECK_INT(n, c->n);
		for (size_t k = 0; k < n && k < c->n; k++)
			CHECK_STR(vals[k], c->v[k]);
	}
	/* At most max values. */
	make_summit(&e);
	CHECK_INT(event_field_values(&e, "participants", vals, 1, buf, sizeof(buf)), 1);
	CHECK_STR(vals[0], "Ana Lopez");
	/* A count needs room in the scratch buffer. */
	CHECK_INT(event_field_values(&e, "count", vals, 8, buf, 2), 0);
	CHECK_INT(event_field_values(&e, "count", vals, 8, buf, 3), 1);
	CHECK_STR(vals[0], "30");
}

int main(void)
{
	test_json_golden();
	test_pb_round_trip();
	test_weapons();
	test_field_values();
	return CHECK_DONE();
}
