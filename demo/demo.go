// Package demo loads a realistic data set into a store: a dozen agencies
// in several countries, customers of every kind with data in several
// regions, a user for every role, and a few hundred demands spread over
// every state of a demand's life. The first 300 demands are taken in and
// moved through the store's own service methods, so the demo's records
// obey the same rules and carry the same events as real ones; any more, up
// to millions for benchmarks and reports, are imported in batches through
// Store.ImportDemands, whose records are the same but cost far less.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"writ"
	"writ/identity"
	"writ/store"
)

// Options configure Load.
type Options struct {
	// Demands is how many demo demands the store should hold.
	Demands int
	// Now is the clock the demands' receipt times count back from.
	Now time.Time
	// Progress, when set, receives a progress bar, redrawn in place.
	Progress io.Writer
}

// referencePrefix marks demo demands, so a second run can tell how many
// it already made.
const referencePrefix = "DEMO-"

// Load makes sure the store holds the demo data set and returns a fresh API
// token for each demo user, keyed by role name. Running it again on the
// same store creates nothing twice: it adds only the demands still missing
// and issues new tokens.
func Load(ctx context.Context, st *store.Store, opts Options) (map[string]string, error) {
	sys := writ.System()
	agencyIDs, err := ensureAgencies(ctx, st)
	if err != nil {
		return nil, err
	}
	customerIDs, err := ensureCustomers(ctx, st)
	if err != nil {
		return nil, err
	}
	identities := identity.New(st)
	tokens := map[string]string{}
	actors := map[writ.Role]writ.Actor{}
	for _, du := range users() {
		u, err := st.UserByEmail(ctx, du.email)
		if writ.ErrorCode(err) == writ.ENOTFOUND {
			in := identity.UserInput{Name: du.name, Email: du.email, Role: du.role}
			switch du.role {
			case writ.RoleAgency:
				in.AgencyID = &agencyIDs[0]
			case writ.RoleCustomer:
				in.CustomerID = &customerIDs[0]
			}
			u, err = identities.CreateUser(ctx, sys, in)
			if err == nil && du.role == writ.RoleAgency {
				u, err = identities.ConfirmUser(ctx, sys, u.ID, "demo: confirmed by calling the agency's registered number")
			}
		}
		if err != nil {
			return nil, fmt.Errorf("demo user %s: %w", du.email, err)
		}
		if err := setCredentials(ctx, identities, u); err != nil {
			return nil, err
		}
		// A year, the longest a token may live: drills move the demo's
		// clock months ahead (serve --clock-offset).
		token, err := identities.CreateToken(ctx, sys, u.ID, writ.TokenInput{Label: "demo", ExpiresInDays: writ.MaxTokenDays})
		if err != nil {
			return nil, err
		}
		tokens[string(du.role)] = token.Secret
		actors[du.role] = writ.ActorOf(u)
	}
	have, err := demoDemands(ctx, st)
	if err != nil {
		return nil, err
	}
	g := &generator{st: st, now: opts.Now.UTC(), agencies: agencyIDs, customers: customerIDs,
		reviewer: actors[writ.RoleReviewer], approver: actors[writ.RoleApprover]}
	p := newProgress(opts.Progress, "demo:", max(opts.Demands-have, 0), time.Now)
	for i := have + 1; i <= min(opts.Demands, serviceDemands); i++ {
		if err := g.demand(ctx, i); err != nil {
			return nil, fmt.Errorf("demo demand %d: %w", i, err)
		}
		p.add(1)
	}
	if opts.Demands > serviceDemands && have < opts.Demands {
		b, err := newBulkGenerator(ctx, st, g)
		if err != nil {
			return nil, err
		}
		if err := importBulk(ctx, st, b, max(have+1, serviceDemands+1), opts.Demands, p); err != nil {
			return nil, err
		}
	}
	p.finish()
	return tokens, nil
}

func ensureAgencies(ctx context.Context, st *store.Store) ([]int64, error) {
	page, err := st.Agencies(ctx, writ.System(), writ.AgencyFilter{Limit: 500})
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, in := range agencies() {
		id := int64(0)
		for _, a := range page.Items {
			if a.Name == in.Name && a.Country == in.Country {
				id = a.ID
			}
		}
		if id == 0 {
			a, err := st.CreateAgency(ctx, writ.System(), in)
			if err != nil {
				return nil, fmt.Errorf("demo agency %s: %w", in.Name, err)
			}
			id = a.ID
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func ensureCustomers(ctx context.Context, st *store.Store) ([]int64, error) {
	page, err := st.Customers(ctx, writ.System(), writ.CustomerFilter{Limit: 500})
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, in := range customers() {
		id := int64(0)
		for _, c := range page.Items {
			if c.Name == in.Name {
				id = c.ID
			}
		}
		if id == 0 {
			c, err := st.CreateCustomer(ctx, writ.System(), in)
			if err != nil {
				return nil, fmt.Errorf("demo customer %s: %w", in.Name, err)
			}
			id = c.ID
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// demoDemands returns the number of the newest demo demand in the store.
func demoDemands(ctx context.Context, st *store.Store) (int, error) {
	page, err := st.Demands(ctx, writ.System(), writ.DemandFilter{Text: referencePrefix, Sort: "newest", Limit: 1})
	if err != nil || len(page.Items) == 0 {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimPrefix(page.Items[0].Reference, referencePrefix))
	if err != nil {
		return 0, errors.New("demo: the newest demo demand has an unexpected reference")
	}
	return n, nil
}

// generator makes demo demands, each from its own number, so that a
// resumed run makes the same demands as an uninterrupted one.
type generator struct {
	st                 *store.Store
	now                time.Time
	agencies           []int64
	customers          []int64
	reviewer, approver writ.Actor
}

func (g *generator) demand(ctx context.Context, n int) error {
	rng := rand.New(rand.NewPCG(20261122, uint64(n)))
	target := targets()[n%len(targets())]
	in := g.request(rng, n)
	// Fresh demands are recent; the others were received long enough ago
	// for their objection windows to have run.
	age := time.Duration(10+rng.IntN(355)) * 24 * time.Hour
	if target.state == writ.StateReceived || target.state == writ.StateVerifying {
		age = time.Duration(rng.IntN(72)) * time.Hour
	}
	received := sinceInForce(in.Instrument, g.now.Add(-age).Add(-time.Duration(rng.IntN(86400))*time.Second).Truncate(time.Second), g.now)
	in.ReceivedAt = &received
	if rng.IntN(3) == 0 {
		due := received.Add(14 * 24 * time.Hour)
		in.Due = &due
	}
	d, _, err := g.st.CreateDemand(ctx, g.reviewer, in, "")
	if err != nil {
		return err
	}
	if err := g.advance(ctx, d, target, rng); err != nil {
		return err
	}
	if target.state == writ.StateReceived || target.state == writ.StateVerifying {
		// Fresh: its notice is still on its way (undeliverable while writ
		// runs without a mail server).
		return nil
	}
	return g.deliverNotice(ctx, d, rng, false)
}
