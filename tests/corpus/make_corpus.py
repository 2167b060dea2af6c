#!/usr/bin/env python3
"""Writes tests/corpus/articles.jsonl and gold.jsonl from the articles below.

These articles are invented for the project's tests (no text from the
shared corpora): other cities, weapons, leaders and sanctions wording than
the dev sets have, and the classic traps. Gold follows spec/EVENTS.md.
Run it after editing an article; commit both outputs.
"""
import json, os

A = []  # (id, published_at, body, [gold events])

A.append(("t-001", "2026-03-12",
 "A Russian drone attack on the port city of Izmail killed two dock workers early on Tuesday, regional officials said.\n"
 "The governor said 14 people were injured and a grain warehouse burned for hours.\n"
 "Moscow did not comment on the strike.",
 [{"type": "STRIKE", "required": True, "evidence": ["A Russian drone attack on the port city of Izmail killed two dock workers early on Tuesday"],
   "attacker": "Russia", "location": "Izmail", "weapons": ["drone"], "killed": 2, "injured": 14, "date": "2026-03-10"}]))

A.append(("t-002", "2026-01-20",
 "Israeli air strikes on Khan Younis killed at least 31 people on Sunday, the health ministry in Gaza said.\n"
 "The military said it had targeted a command post. Separately, negotiators in Doha tried to strike a deal on a ceasefire.",
 [{"type": "STRIKE", "required": True, "evidence": ["Israeli air strikes on Khan Younis killed at least 31 people on Sunday"],
   "attacker": "Israel", "location": "Khan Younis", "weapons": ["airstrike"], "killed": 31, "date": "2026-01-18"}]))

A.append(("t-003", "2026-02-05",
 "Teachers in Marseille went on strike on Wednesday over pay, closing hundreds of schools.\n"
 "A hunger strike by prisoners in Ankara entered its third week.\n"
 "The club's new striker scored twice against Lyon.",
 []))

A.append(("t-004", "2026-04-02",
 "Japanese Prime Minister Shigeru Ishiba met South Korean President Lee Jae-myung in Tokyo on Monday for talks on trade and North Korea.\n"
 "The two leaders agreed to hold another summit in Seoul later this year.",
 [{"type": "SUMMIT", "required": True, "evidence": ["Japanese Prime Minister Shigeru Ishiba met South Korean President Lee Jae-myung in Tokyo on Monday"],
   "location": "Tokyo", "date": "2026-03-30", "participants": ["Shigeru Ishiba", "Lee Jae-myung"], "status": "held"},
  {"type": "SUMMIT", "required": False, "evidence": ["hold another summit in Seoul later this year"], "location": "Seoul", "status": "scheduled"}]))

A.append(("t-005", "2026-05-14",
 "African Union leaders will gather in Kigali on May 22 for an extraordinary summit on the crisis in eastern Congo.\n"
 "Rwandan President Paul Kagame will host the meeting, officials said.\n"
 "Separately, tech executives met at an investment summit in Lagos to discuss start-up funding.",
 [{"type": "SUMMIT", "required": True, "evidence": ["African Union leaders will gather in Kigali on May 22 for an extraordinary summit"],
   "name": "African Union", "location": "Kigali", "date": "2026-05-22", "hosts": ["Paul Kagame"], "status": "scheduled"}]))

A.append(("t-006", "2026-06-09",
 "Canada announced new sanctions on Iran on Monday, targeting six officials it accused of overseeing drone exports.\n"
 "Prime Minister Mark Carney said Ottawa would impose further penalties if the shipments continued.\n"
 "Last year Washington lifted sanctions on two Iranian airlines as part of a humanitarian exemption.",
 [{"type": "SANCTIONS_PLEDGE", "required": True, "evidence": ["Canada announced new sanctions on Iran on Monday"],
   "pledgers": ["Canada"], "target": "Iran", "measure": "new sanctions", "date": "2026-06-08", "modality": "imposed"},
  {"type": "SANCTIONS_PLEDGE", "required": True, "evidence": ["Ottawa would impose further penalties if the shipments continued"],
   "pledgers": ["Mark Carney"], "measure": "further penalties", "condition": "if the shipments continued", "modality": "threat"}]))

A.append(("t-007", "2026-07-01",
 "President Donald Trump spoke by phone with Chinese President Xi Jinping on Tuesday about tariffs and rare earths, the White House said.\n"
 "The call discussed sanctions but no new measures were announced.",
 []))

A.append(("t-008", "2026-08-18",
 "Artillery shelling of the Sudanese city of El Obeid killed nine civilians on Saturday, a local aid group said, blaming the Rapid Support Forces.\n"
 "The paramilitary group denied responsibility.",
 [{"type": "STRIKE", "required": True, "evidence": ["Artillery shelling of the Sudanese city of El Obeid killed nine civilians on Saturday"],
   "attacker": "Rapid Support Forces", "location": "El Obeid", "weapons": ["artillery"], "killed": 9, "date": "2026-08-15"}]))

A.append(("t-009", "2026-09-03",
 "The European Union adopted its 20th package of sanctions against Russia on Wednesday, banning imports of Russian liquefied natural gas from next year.\n"
 "Hungary's prime minister had threatened to block the package but relented after talks in Brussels.",
 [{"type": "SANCTIONS_PLEDGE", "required": True, "evidence": ["The European Union adopted its 20th package of sanctions against Russia on Wednesday"],
   "pledgers": ["European Union"], "target": "Russia", "measure": "20th package of sanctions", "date": "2026-09-02", "modality": "imposed"}]))

A.append(("t-010", "2026-10-12",
 "A ballistic missile fired by Houthi rebels struck a tanker in the Red Sea on Friday, injuring three sailors, the ship's operator said.\n"
 "It was the second attack on shipping this month.",
 [{"type": "STRIKE", "required": True, "evidence": ["A ballistic missile fired by Houthi rebels struck a tanker in the Red Sea on Friday, injuring three sailors"],
   "attacker": "Houthis", "location": "Red Sea", "weapons": ["missile"], "injured": 3, "date": "2026-10-09"}]))

A.append(("t-011", "2026-11-02",
 "Indian Prime Minister Narendra Modi and Brazilian President Luiz Inacio Lula da Silva held talks in Brasilia on Saturday, their first meeting since the BRICS summit.\n"
 "Modi also addressed business leaders at a trade summit in Sao Paulo.",
 [{"type": "SUMMIT", "required": True, "evidence": ["Indian Prime Minister Narendra Modi and Brazilian President Luiz Inacio Lula da Silva held talks in Brasilia on Saturday"],
   "location": "Brasilia", "date": "2026-10-31", "participants": ["Narendra Modi", "Luiz Inacio Lula da Silva"], "status": "held"},
  {"type": "SUMMIT", "required": False, "evidence": ["their first meeting since the BRICS summit"], "name": "BRICS"}]))

A.append(("t-012", "2026-03-30",
 "The United States said it would impose tariffs of 25 percent on Venezuelan oil buyers unless Caracas released the detained opposition leaders.\n"
 "Analysts said the threat could disrupt supplies to refiners in Asia.",
 [{"type": "SANCTIONS_PLEDGE", "required": True, "evidence": ["The United States said it would impose tariffs of 25 percent on Venezuelan oil buyers unless Caracas released the detained opposition leaders"],
   "pledgers": ["United States"], "target": "Venezuela", "condition": "unless Caracas released the detained opposition leaders", "modality": "threat"}]))

A.append(("t-013", "2026-02-25",
 "Pakistani fighter jets bombed hideouts in Afghanistan's Khost province on Monday night, killing at least 15 people, Taliban officials said.\n"
 "Islamabad said the air strikes targeted militants behind a suicide bombing in Peshawar last week.",
 [{"type": "STRIKE", "required": True, "evidence": ["Pakistani fighter jets bombed hideouts in Afghanistan's Khost province on Monday night, killing at least 15 people"],
   "attacker": "Pakistan", "weapons": ["airstrike"], "killed": 15, "date": "2026-02-23"},
  {"type": "STRIKE", "required": False, "evidence": ["a suicide bombing in Peshawar last week"], "location": "Peshawar", "weapons": ["bomb"]}]))

A.append(("t-014", "2026-06-30",
 "NATO leaders are due to meet in Ankara on July 7 for the alliance's annual summit, which Turkish President Recep Tayyip Erdogan will host.\n"
 "Defence ministers met in Brussels last month to prepare the agenda.",
 [{"type": "SUMMIT", "required": True, "evidence": ["NATO leaders are due to meet in Ankara on July 7 for the alliance's annual summit"],
   "name": "NATO", "location": "Ankara", "date": "2026-07-07", "hosts": ["Recep Tayyip Erdogan"], "status": "scheduled"}]))

A.append(("t-015", "2026-04-21",
 "Australia lifted its sanctions on three Fijian officials on Monday after an election.\n"
 "Protesters in Sydney called for a boycott of products from the mining company.\n"
 "The country has been under sanctions since 2014, officials noted.",
 []))

A.append(("t-016", "2026-09-25",
 "Leaders from 40 countries attended a summit in Bern on Wednesday and Thursday, held both in person and by video, to discuss reconstruction in Gaza.\n"
 "Swiss President Karin Keller-Sutter chaired the summit.",
 [{"type": "SUMMIT", "required": True, "evidence": ["Leaders from 40 countries attended a summit in Bern on Wednesday and Thursday, held both in person and by video"],
   "location": "Bern", "participant_count": 40, "format": "hybrid", "hosts": ["Karin Keller-Sutter"], "status": "held"}]))

A.append(("t-017", "2026-04-14",
 "Iran fired a barrage of ballistic missiles at Israel late on Sunday, and air raid sirens sounded across Tel Aviv and Haifa.\n"
 "The Israeli military said most of the missiles were intercepted, but one hit a residential street in Haifa, wounding seven people.",
 [{"type": "STRIKE", "required": True, "evidence": ["Iran fired a barrage of ballistic missiles at Israel late on Sunday", "one hit a residential street in Haifa, wounding seven people"],
   "attacker": "Iran", "weapons": ["missile"], "injured": 7, "date": "2026-04-12"}]))

A.append(("t-018", "2026-07-20",
 "A Ukrainian naval drone struck a Russian patrol ship near Novorossiysk overnight, the Ukrainian navy said on Monday.\n"
 "Russia's defence ministry said the attack had been repelled.",
 [{"type": "STRIKE", "required": True, "evidence": ["A Ukrainian naval drone struck a Russian patrol ship near Novorossiysk overnight"],
   "attacker": "Ukraine", "location": "Novorossiysk", "weapons": ["drone"], "date": "2026-07-20"}]))

A.append(("t-019", "2026-11-24",
 "G20 leaders wrapped up a two-day summit in Johannesburg on Sunday with a declaration on debt relief, the first such meeting hosted on African soil.\n"
 "South African President Cyril Ramaphosa, who chaired the talks, said the group had shown it could still agree.",
 [{"type": "SUMMIT", "required": True, "evidence": ["G20 leaders wrapped up a two-day summit in Johannesburg on Sunday", "South African President Cyril Ramaphosa, who chaired the talks"],
   "name": "G20", "location": "Johannesburg", "date": "2026-11-22", "hosts": ["Cyril Ramaphosa"], "status": "held"}]))

A.append(("t-020", "2026-02-18",
 "Britain imposed sanctions on 14 Russian oligarchs and two banks on Tuesday, freezing their assets in the United Kingdom.\n"
 "The Foreign Office said more designations would follow in the coming weeks.",
 [{"type": "SANCTIONS_PLEDGE", "required": True, "evidence": ["Britain imposed sanctions on 14 Russian oligarchs and two banks on Tuesday"],
   "pledgers": ["United Kingdom"], "target": "Russia", "date": "2026-02-17", "modality": "imposed"}]))

A.append(("t-021", "2026-05-06",
 "The two sides struck a deal on grain exports after weeks of talks, officials in Ankara said.\n"
 "Separately, the central bank tried to strike a balance between inflation and growth, and a cyberattack disrupted the port's booking system.",
 []))

A.append(("t-022", "2026-09-09",
 "Chinese President Xi Jinping and Russian President Vladimir Putin held a video call on Monday to discuss energy cooperation, the Kremlin said.\n"
 "Xi is expected to visit Moscow in the spring, according to diplomats.",
 [{"type": "SUMMIT", "required": False, "evidence": ["Xi is expected to visit Moscow in the spring"], "location": "Moscow", "status": "scheduled"}]))

A.append(("t-023", "2026-03-03",
 "Gunmen attacked a military base in northern Burkina Faso on Saturday, killing at least 30 soldiers, security sources said.\n"
 "No group has claimed the attack, which bore the hallmarks of jihadist fighters active in the Sahel.",
 [{"type": "STRIKE", "required": True, "evidence": ["Gunmen attacked a military base in northern Burkina Faso on Saturday, killing at least 30 soldiers"],
   "location": "northern Burkina Faso", "killed": 30, "date": "2026-02-28"}]))

A.append(("t-024", "2026-10-01",
 "The European Union agreed to impose tariffs of up to 35 percent on electric cars made in China, the bloc's trade chief announced on Tuesday.\n"
 "Beijing said it would respond with countermeasures if the duties took effect.",
 [{"type": "SANCTIONS_PLEDGE", "required": True, "evidence": ["The European Union agreed to impose tariffs of up to 35 percent on electric cars made in China"],
   "pledgers": ["European Union"], "target": "China", "date": "2026-09-29", "modality": "pledge"},
  {"type": "SANCTIONS_PLEDGE", "required": True, "evidence": ["Beijing said it would respond with countermeasures if the duties took effect"],
   "pledgers": ["China"], "measure": "countermeasures", "condition": "if the duties took effect", "modality": "threat"}]))

A.append(("t-025", "2026-06-03",
 "ASEAN leaders opened their annual summit in Kuala Lumpur on Monday, with Malaysian Prime Minister Anwar Ibrahim urging unity on the South China Sea.\n"
 "The meeting was held in person for the first time since the pandemic.",
 [{"type": "SUMMIT", "required": True, "evidence": ["ASEAN leaders opened their annual summit in Kuala Lumpur on Monday", "The meeting was held in person for the first time since the pandemic"],
   "name": "ASEAN", "location": "Kuala Lumpur", "date": "2026-06-01", "format": "in_person", "status": "held"}]))

A.append(("t-026", "2026-08-30",
 "Israeli tank shelling killed four people in the Nuseirat camp in central Gaza on Thursday, medics said.\n"
 "A heart attack, not the strike, killed a fifth man, his family said.",
 [{"type": "STRIKE", "required": True, "evidence": ["Israeli tank shelling killed four people in the Nuseirat camp in central Gaza on Thursday"],
   "attacker": "Israel", "weapons": ["artillery"], "killed": 4, "date": "2026-08-27"}]))

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "articles.jsonl"), "w") as fa, open(os.path.join(here, "gold.jsonl"), "w") as fg:
    for aid, pub, body, events in A:
        for e in events:
            for ev in e["evidence"]:
                assert ev in body, (aid, ev)
        fa.write(json.dumps({"id": aid, "published_at": pub, "language": "en", "source": "evextract-tests", "body": body}, ensure_ascii=False) + "\n")
        fg.write(json.dumps({"article_id": aid, "events": events}, ensure_ascii=False) + "\n")
print("wrote", len(A), "articles")
