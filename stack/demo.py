"""Demo content for the local stack: the leaflets listed on the board's own page."""
from chalicelib.web.auth import Identity
from tools.pdf import one_page

# Created by one demo publisher and certified by the other, as every publication is.
CREATOR = Identity("demo-publisher", "demo-publisher", frozenset({"publishers"}), "access")
CERTIFIER = Identity("demo-publisher-2", "demo-publisher-2", frozenset({"publishers"}), "access")

LEAFLETS = [
    ("Child J", "2015-07-01", "July 2015"), ("Child A", "2014-10-01", "Oct 2014"),
    ("Child T", "2012-05-01", "May 2012"), ("T Family", "2011-08-01", "August 2011"),
    ("Child P", "2009-06-01", "June 2009"), ("Child V", "2009-03-01", "March 2009"),
    ("Child A (2006)", "2006-11-01", "November 2006"),
]


def load(publications, s3, uploads_bucket):
    """Publishes each leaflet through the same path a publisher's upload takes."""
    loaded = []
    for case_name, published_on, month in LEAFLETS:
        title = f"Highlighting lessons from {case_name} ({month})"
        key = f"uploads/{'0' * 31}{len(loaded)}/{case_name.lower().replace(' ', '-').replace('(', '').replace(')', '')}.pdf"
        s3.put_object(Bucket=uploads_bucket, Key=key, ContentType="application/pdf", Body=one_page(
            f"{case_name} Professionals Leaflet", [title, "A demo document generated for the local stack."]))
        draft = publications.create({
            "upload_key": key, "kind": "professionals_leaflet", "title": title,
            "case_name": case_name.replace(" (2006)", ""),
            "summary": f"{case_name} Professionals Leaflet: lessons for practitioners from a serious case review.",
            "keywords": ["professionals leaflet", "learning"], "published_on": published_on,
        }, CREATOR)
        loaded.append(publications.certify(draft["id"], {"anonymisation_checked": True,
                                                         "reporting_restrictions_checked": True}, CERTIFIER))
    return loaded
