package gen

// layout is the shape of the customer tree, computed once: which customer
// each site and contact belongs to. Sites 0..ParentSites-1 are the parent
// tree's; customers are numbered parent first, then its children, its
// grandchildren, then every other customer, so parents come before their
// children in the rows.
type layout struct {
	// custParent is each customer's parent (-1: none); custLevel its depth
	// in the parent tree (0 parent, 1 child, 2 grandchild, -1 elsewhere).
	custParent []int32
	custLevel  []int8
	// custSites[c] is the first site of customer c; a customer's sites
	// are contiguous, and custSites has one extra entry at the end.
	custSites []int32
	siteCust  []int32
	// custContacts[c] is the first contact of customer c (one extra entry).
	custContacts []int32
	contactCust  []int32
	// treeCustomers is the number of customers in the parent tree;
	// siteChild is the child customer with exactly one site (site persona).
	treeCustomers int
	siteChild     int
	// loginContacts are the contacts with a portal login: the two persona
	// contacts first, then spread over the rest.
	loginContacts []int32
	// assetSite and siteAssets: assets are contiguous per site.
	siteAssets []int32
	assetSite  []int32
}

func (g *gen) newLayout() *layout {
	s := g.size
	l := &layout{}
	r := g.rec(kLayout, 0)
	// The parent tree: children each with their own grandchildren; child
	// 1 is the site persona's customer with a single site.
	children := max(3, s.ParentSites/200)
	grand := min(10, max(1, s.ParentSites/(children*10)))
	addCust := func(parent int, level int8) int {
		l.custParent = append(l.custParent, int32(parent))
		l.custLevel = append(l.custLevel, level)
		return len(l.custParent) - 1
	}
	var sitesOf []int // sites per customer, in customer order
	parent := addCust(-1, 0)
	sitesOf = append(sitesOf, max(1, s.ParentSites/100))
	for c := range children {
		addCust(parent, 1)
		if c == 0 {
			sitesOf = append(sitesOf, 1)
		} else {
			sitesOf = append(sitesOf, 2)
		}
	}
	l.siteChild = 1
	for c := 2; c <= children; c++ {
		for range grand {
			addCust(c, 2)
		}
	}
	nGrand := len(l.custParent) - 1 - children
	rest := s.ParentSites - sitesOf[0] - 1 - 2*(children-1)
	for i := range nGrand {
		sitesOf = append(sitesOf, share(i, rest, nGrand))
	}
	l.treeCustomers = len(l.custParent)
	// Everyone else: customers of one to nine sites; one in twenty is a
	// child of the customer before it (a small group of two).
	for left := s.Sites - s.ParentSites; left > 0; {
		n := min(left, r.between(1, 9))
		p := -1
		if last := len(l.custParent) - 1; last >= l.treeCustomers && l.custParent[last] == -1 && r.chance(0.05) {
			p = last
		}
		addCust(p, -1)
		sitesOf = append(sitesOf, n)
		left -= n
	}
	nc := len(l.custParent)
	l.custSites = make([]int32, nc+1)
	l.siteCust = make([]int32, 0, s.Sites)
	for c, n := range sitesOf {
		l.custSites[c] = int32(len(l.siteCust))
		for range n {
			l.siteCust = append(l.siteCust, int32(c))
		}
	}
	l.custSites[nc] = int32(len(l.siteCust))
	// Contacts: the parent has five, other customers one or two.
	l.custContacts = make([]int32, nc+1)
	for c := range nc {
		l.custContacts[c] = int32(len(l.contactCust))
		n := 1 + r.intn(2)
		if c == 0 {
			n = 5
		}
		for range n {
			l.contactCust = append(l.contactCust, int32(c))
		}
	}
	l.custContacts[nc] = int32(len(l.contactCust))
	// Logins: the parent persona (contact 0), the site persona (the site
	// child's first contact), then every k-th contact.
	personas := []int32{0, l.custContacts[l.siteChild]}
	l.loginContacts = append(l.loginContacts, personas...)
	others := len(l.contactCust) - 2
	want := min(s.Logins, len(l.contactCust)) - 2
	for j := range want {
		c := int32(1 + j*others/want)
		if c >= personas[1] {
			c++
		}
		l.loginContacts = append(l.loginContacts, c)
	}
	// Assets: half at the parent tree's sites, half elsewhere, evenly.
	l.siteAssets = make([]int32, s.Sites+1)
	l.assetSite = make([]int32, 0, s.Assets)
	treeAssets := s.Assets / 2
	for site := range s.Sites {
		l.siteAssets[site] = int32(len(l.assetSite))
		n := share(site, treeAssets, s.ParentSites)
		if site >= s.ParentSites {
			n = share(site-s.ParentSites, s.Assets-treeAssets, s.Sites-s.ParentSites)
		}
		for range n {
			l.assetSite = append(l.assetSite, int32(site))
		}
	}
	l.siteAssets[s.Sites] = int32(len(l.assetSite))
	return l
}

// pickSite chooses the site of a record: half of all work is at the parent
// tree's sites (the operator's biggest customer), the rest spread evenly.
func (g *gen) pickSite(r *rec) int {
	if r.chance(0.5) {
		return r.intn(g.size.ParentSites)
	}
	return g.size.ParentSites + r.intn(g.size.Sites-g.size.ParentSites)
}

// siteAsset returns an asset at the site, or -1 when it has none.
func (g *gen) siteAsset(r *rec, site int) int {
	lo, hi := int(g.l.siteAssets[site]), int(g.l.siteAssets[site+1])
	if hi == lo {
		return -1
	}
	return lo + r.intn(hi-lo)
}

// contactAt returns a contact of the site's customer.
func (g *gen) contactAt(r *rec, site int) int {
	c := g.l.siteCust[site]
	lo, hi := int(g.l.custContacts[c]), int(g.l.custContacts[c+1])
	return lo + r.intn(hi-lo)
}
