"""Writes adversarial.csv (run from the repository root): the labelled adversarial dedup set, as code so each record's reason is next to it."""
import csv
F = ["ID","group","kind","title","author","year","journal","volume","number","pages","doi","pmid","language","ENTRYTYPE","note"]
R = []
def r(ID, group, kind, title, author, year, journal, volume="", number="", pages="", doi="", pmid="", language="", entrytype="article", note=""):
    R.append(dict(ID=ID, group=group, kind=kind, title=title, author=author, year=year, journal=journal, volume=volume,
                  number=number, pages=pages, doi=doi, pmid=pmid, language=language, ENTRYTYPE=entrytype, note=note))
# 1. An editor's column in every issue of one volume, by the same editor, no pages or DOI.
ed = "Rai, Arun"
for n in "1234":
    r(f"col-41-{n}", f"col-41-{n}", "recurring column", "Editor's Comments", ed, 2017, "MIS Quarterly", "41", n,
      note=f"the column of issue {n}")
r("col-41-3-wos", "col-41-3", "recurring column", "EDITOR'S COMMENTS", "Rai, A", 2017, "MIS QUARTERLY", "41", "3",
  "III", doi="", note="issue 3's column again (Web of Science, roman page only): no first page to compare, so the generic-title rule asks a person")
R[-1]["group"] = "col-41-3"
r("col-42-1", "col-42-1", "recurring column", "Remarks from the editor", "Sarker, Suprateek", 2018, "Journal of the Association for Information Systems", "19", "1", "1-4",
  doi="10.17705/1jais.00480")
r("col-42-1-dup", "col-42-1", "recurring column", "Remarks From the Editor", "Sarker, S.", 2018, "J Assoc Inf Syst", "19", "1", "1-4",
  note="the same column with its full address (volume, issue, first page)")
r("col-42-2", "col-42-2", "recurring column", "Remarks from the editor", "Sarker, Suprateek", 2018, "Journal of the Association for Information Systems", "19", "2", "1-3")
r("col-42-3", "col-42-3", "recurring column", "Remarks from the editor", "Sarker, Suprateek", 2018, "Journal of the Association for Information Systems", "19", "3", "")
# 2. Annual conference track introductions.
for y, doi, p in ((2019, "10.24251/HICSS.2019.388", "3203"), (2020, "10.24251/HICSS.2020.412", "3360"), (2021, "", "3712")):
    r(f"intro-{y}", f"intro-{y}", "annual introduction", "Introduction to the Minitrack on Digital Health Innovation",
      "Wickramasinghe, Nilmini; Schaffer, Jonathan L.", y, "Proceedings of the Annual Hawaii International Conference on System Sciences",
      pages=p, doi=doi, entrytype="inproceedings")
r("intro-2020-url", "intro-2020", "annual introduction", "Introduction to the minitrack on digital health innovation",
  "Wickramasinghe, N.; Schaffer, J. L.", 2020, "HICSS", pages="3360", doi="https://doi.org/10.24251/hicss.2020.412",
  entrytype="inproceedings", note="the same introduction, DOI as a URL")
r("intro-2022-nodoi", "intro-2022", "annual introduction", "Introduction to the Minitrack on Digital Health Innovation",
  "Wickramasinghe, Nilmini; Schaffer, Jonathan L.", 2022, "Hawaii International Conference on System Sciences", entrytype="inproceedings")
# 3. Digest-journal commentaries (structured abstracts of articles published elsewhere).
t = "Review: metformin reduces all-cause mortality in overweight patients with type 2 diabetes"
r("acp-142-1", "acp-142-1", "digest commentary", t, "Gerstein, H. C.", 2005, "ACP Journal Club", "142", "1", "4")
r("acp-142-1-emb", "acp-142-1", "digest commentary", t, "Gerstein H.C.", 2005, "ACP J Club", "142", "1", "4",
  note="the same commentary from another database")
r("acp-142-3", "acp-142-3", "digest commentary", t, "Gerstein, H. C.", 2005, "ACP Journal Club", "142", "3", "68-9",
  note="a commentary of the same title in another issue, pages garbled")
r("ebm-10-2", "ebm-10-2", "digest commentary", t, "Gerstein, H. C.", 2005, "Evidence-Based Medicine", "10", "2", "47")
t2 = "Intensive glucose control did not reduce cardiovascular events in type 2 diabetes"
r("acp-149-2", "acp-149-2", "digest commentary", t2, "Montori, V. M.", 2008, "ACP Journal Club", "149", "2", "JC2-4")
r("acp-149-4", "acp-149-4", "digest commentary", t2, "Montori, V. M.", 2008, "ACP Journal Club", "149", "4", "JC2-4",
  note="same title, commentator, volume and page in another issue")
# 4. Subtitle-less copies.
full = "Peer mentoring in medical school: a mixed-methods evaluation of a near-peer programme for first-year students"
r("peer-full", "peer", "subtitle-less copy", full, "Akinla, Olawunmi; Hagan, Pamela; Atiomo, William", 2019, "Medical Education", "53", "4", "352-361",
  doi="10.1111/medu.13788", pmid="30693548")
r("peer-main", "peer", "subtitle-less copy", "Peer mentoring in medical school", "Akinla O; Hagan P; Atiomo W", 2019, "Med Educ", "53", "4", "352-61",
  doi="10.1111/medu.13788", note="same DOI and address, title without its subtitle")
r("peer-other", "peer-other", "subtitle-less copy", "Peer mentoring in medical school: a qualitative study of mentors' motivations",
  "Akinla, Olawunmi; Hagan, Pamela; Atiomo, William", 2020, "Medical Education", "54", "2", "123-131", note="another paper, same main title")
conf = "Gamified spaced repetition for anatomy teaching: a randomised trial in first-year medical students"
r("game-full", "game", "subtitle-less copy", conf, "Van Hoof, Thomas J.; Sumeracki, Megan A.; Madan, Christopher R.", 2021,
  "Proceedings of the International Conference on Computer Supported Education", "", "", "112-118", doi="10.5220/0010459601120118",
  entrytype="inproceedings")
r("game-main", "game", "subtitle-less copy", "Gamified spaced repetition for anatomy teaching", "Van Hoof TJ; Sumeracki MA; Madan CR", 2021,
  "CSEDU 2021 - Proceedings of the 13th International Conference on Computer Supported Education", "", "", "112-118",
  entrytype="inproceedings", note="main title only, no DOI, same authors, year and pages")
r("game-2022", "game-2022", "subtitle-less copy", "Gamified spaced repetition for anatomy teaching: two-year follow-up", "Van Hoof TJ; Sumeracki MA; Madan CR", 2022,
  "Proceedings of the International Conference on Computer Supported Education", "", "", "88-95", entrytype="inproceedings",
  note="the follow-up a year later")
# 5. Translated titles.
r("de-pubmed", "de", "translated title", "[Peer mentoring in medical studies: results of a survey at a German medical faculty]",
  "Dimitriadis, Konstantinos; von der Borch, Philip; Störmann, Sylvère; Meinel, Felix G.", 2018, "Deutsche medizinische Wochenschrift (1946)",
  "143", "12", "870-876", pmid="29895085", language="ger")
r("de-embase", "de", "translated title", "Peer-Mentoring im Medizinstudium: Ergebnisse einer Befragung an einer deutschen medizinischen Fakultät",
  "Dimitriadis K.; von der Borch P.; Störmann S.; Meinel F.G.", 2018, "Deutsche Medizinische Wochenschrift", "143", "12", "870-876",
  doi="10.1055/a-0587-7316", language="German", note="the original title; same journal, volume, issue, pages")
r("de-other", "de-other", "translated title", "[Mentoring of junior doctors in internal medicine: a survey]",
  "Dimitriadis, Konstantinos; Meinel, Felix G.", 2018, "Deutsche medizinische Wochenschrift (1946)", "143", "12", "877-883", language="ger",
  note="the next article in the issue, some of the same authors")
r("fr-pubmed", "fr", "translated title", "[Burnout among emergency medicine residents: a national survey]",
  "Moukarzel, Ayoub; Michelet, Pierre; Durand, Anne-Claire", 2016, "Presse medicale (Paris, France : 1983)", "45", "3", "e45-e52", language="fre")
r("fr-embase", "fr", "translated title", "Épuisement professionnel des internes de médecine d'urgence : une enquête nationale [French]",
  "Moukarzel A.; Michelet P.; Durand A.-C.", 2016, "Presse Medicale", "45", "3", "e45-e52", language="French")
r("fr-other-issue", "fr-other-issue", "translated title", "[Burnout among emergency medicine residents: a regional survey]",
  "Moukarzel, Ayoub; Michelet, Pierre", 2016, "Presse medicale (Paris, France : 1983)", "45", "5", "e45-e52", language="fre",
  note="same first page, another issue")
# 6. A conference paper and the journal article that grew from it.
r("cmc-2003", "cmc-2003", "conference vs journal", "Cultural universality versus particularity in computer-mediated communication",
  "Stahl, Bernd Carsten; Elbeltagi, Ibrahim", 2003, "Americas Conference on Information Systems (AMCIS 2003)", pages="2254-2262", entrytype="inproceedings")
r("cmc-2004", "cmc-2004", "conference vs journal", "Cultural universality versus particularity in computer-mediated communication",
  "Stahl, Bernd Carsten; Elbeltagi, Ibrahim", 2004, "Journal of Global Information Technology Management", "7", "4", "47-65",
  doi="10.1080/1097198X.2004.10856384")
# 7. Other generic titles.
for n in ("2", "5"):
    r(f"corr-{n}", f"corr-{n}", "generic notice", "Correction", "", 2019, "BMJ Open", "9", n, "")
r("book-1", "book-1", "generic", "Book review", "UNKNOWN", 1995, "European Journal of Information Systems", "4", "2", "")
r("book-2", "book-2", "generic", "Book review", "UNKNOWN", 1995, "European Journal of Information Systems", "4", "3", "")
r("jname-1", "jname-1", "generic", "Communications of the Association for Information Systems", "Rao, Lila", 2023,
  "Communications of the Association for Information Systems", "52", "", "")
r("jname-2", "jname-2", "generic", "Communications of the Association for Information Systems", "Rao, Lila", 2023,
  "Communications of the Association for Information Systems", "52", "", "", note="another paper exported without its title")
with open("tests/data/dedup/adversarial.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.DictWriter(f, fieldnames=F)
    w.writeheader()
    w.writerows(R)
print(len(R))
