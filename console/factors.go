package console

import (
	"net/http"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Staff removing a second factor from a login that lost it (issue 21): a
// contact's from its page (staff), a staff user's from the staff page
// (admins). Each asks to confirm first; the store audits the removal,
// mails the person and ends its sessions and pending sign-ins.

// factorRemoveView is the confirmation of a removal.
type factorRemoveView struct {
	web.Layout
	Name, Action, Cancel string
	// None: the login has no second factor to remove.
	None bool
}

func (c *Console) factorRemovalRoutes() {
	k := c.kit
	k.Handle("GET /console/contacts/{id}/second-factor", c.signedIn(c.handleContactFactorConfirm))
	k.Handle("POST /console/contacts/{id}/second-factor", c.signedIn(c.handleContactFactorRemove))
	k.Handle("GET /console/staff/{id}/second-factor", c.signedIn(c.handleStaffFactorConfirm))
	k.Handle("POST /console/staff/{id}/second-factor", c.signedIn(c.handleStaffFactorRemove))
}

func (c *Console) handleContactFactorConfirm(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	id := r.PathValue("id")
	ct, err := c.svc.Access.FindContactByID(r.Context(), v, id)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	on, err := c.svc.SecondFactor.ContactHasSecondFactor(r.Context(), v, id)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	c.pages.Render(w, r, http.StatusOK, "factor_remove", factorRemoveView{Layout: c.layout(r, "Remove second factor"),
		Name: ct.Name(), Action: "/console/contacts/" + id + "/second-factor", Cancel: "/console/contacts/" + id, None: !on})
}

func (c *Console) handleContactFactorRemove(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	id := r.PathValue("id")
	if err := c.svc.SecondFactor.RemoveContactSecondFactor(r.Context(), v, id); err != nil && fieldportal.ErrorCode(err) != fieldportal.EINVALID {
		c.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/contacts/"+id+"?done=factor", http.StatusSeeOther)
}

func (c *Console) handleStaffFactorConfirm(w http.ResponseWriter, r *http.Request) {
	v, ok := c.needAdmin(w, r, "remove a staff user's second factor")
	if !ok {
		return
	}
	id := r.PathValue("id")
	u, err := c.svc.Staff.FindStaffUser(r.Context(), v, id)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	on, err := c.svc.SecondFactor.StaffHasSecondFactor(r.Context(), v, id)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	c.pages.Render(w, r, http.StatusOK, "factor_remove", factorRemoveView{Layout: c.layout(r, "Remove second factor"),
		Name: u.Name, Action: "/console/staff/" + id + "/second-factor", Cancel: "/console/staff", None: !on})
}

func (c *Console) handleStaffFactorRemove(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, ok := c.needAdmin(w, r, "remove a staff user's second factor")
	if !ok {
		return
	}
	if err := c.svc.SecondFactor.RemoveStaffSecondFactor(r.Context(), v, r.PathValue("id")); err != nil && fieldportal.ErrorCode(err) != fieldportal.EINVALID {
		c.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/staff?done=factor", http.StatusSeeOther)
}
