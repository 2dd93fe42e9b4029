"""`make bench`: cold start against the floor, warm time per referral, bundle size.

bench.run drives everything; bench.child is the measured process; bench.bundle
builds and weighs the Lambda bundle.
"""
