# Shortcuts; the real commands are the scripts (see README).
# make test ARGS='-run TestSites ./sqlstore/...'
.PHONY: test demo

test:
	./scripts/test $(ARGS)

demo:
	go run ./cmd/fieldportal demo
