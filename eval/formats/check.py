# Verifies questions.jsonl against docs/. Standard library only.
import json, os, sys, collections, html.parser

HERE = os.path.dirname(os.path.abspath(__file__))

class Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.parts = []; self.skip = 0
    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"): self.skip += 1
    def handle_endtag(self, tag):
        if tag in ("style", "script"): self.skip -= 1
    def handle_data(self, data):
        if not self.skip: self.parts.append(data)

def doc_text(name):
    if name.endswith(".pdf"):  # typeset from its source text by make_pdf.py
        name = os.path.join("..", "sources", name[:-4] + ".txt")
    raw = open(os.path.join(HERE, "docs", name), encoding="utf-8").read()
    if name.endswith(".html"):
        p = Text(); p.feed(raw); return "".join(p.parts)
    return raw

errors = 0; ids = set(); per_doc = collections.defaultdict(collections.Counter); off = collections.Counter()
for n, line in enumerate(open(os.path.join(HERE, "questions.jsonl"), encoding="utf-8"), 1):
    r = json.loads(line)
    if r["id"] in ids: print("dup id", r["id"]); errors += 1
    ids.add(r["id"])
    assert r["split"] in ("fit", "test") and r["question"].endswith("？"), r
    if "doc" not in r:
        assert "answer" not in r and r["id"].startswith("x"), r; off[r["split"]] += 1; continue
    a = r["answer"]
    if not (2 <= len(a) <= 20): print("length", r["id"], len(a), a); errors += 1
    if a not in doc_text(r["doc"]): print("NOT FOUND", r["id"], r["doc"], a); errors += 1
    per_doc[r["doc"]][r["split"]] += 1
for d, c in per_doc.items():
    print(f"{d:22s} fit={c['fit']:2d} test={c['test']:2d}")
    if not (c["fit"] or c["test"]): print("  no questions"); errors += 1
print("in-doc questions:", sum(sum(c.values()) for c in per_doc.values()), "off-topic:", dict(off))
print("oneline_news.txt newlines:", doc_text("oneline_news.txt").count("\n"))
print("errors:", errors); sys.exit(1 if errors else 0)
