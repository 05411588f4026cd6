package billing

import (
	"context"
	"net/http"
)

// fromWholeListing answers a read that the server would filter (by
// account or month) from the unfiltered listing of ep when this Client
// holds it or is reading it: the records are selected here exactly as the
// server selects them, including its 403 for account ids not under the
// organization. ok is false when there is no such listing, or its read
// failed: the caller then reads the filtered listing itself. A whole
// listing is never started only to serve a filtered read.
func fromWholeListing[S listed](ctx context.Context, c *Client, ep endpoint, q Query) (items S, ok bool, err error) {
	key := listingKey{ep.path, ""}
	l := c.snapshot.joinExisting(key)
	if l == nil {
		return items, false, nil
	}
	all, _, err := awaitRecords[S](ctx, c, key, l)
	if err != nil {
		if ctx.Err() != nil {
			return items, true, err // this caller's own deadline or cancellation
		}
		return items, false, nil
	}
	if len(q.AccountIDs) > 0 {
		foreign, err := c.foreignAccounts(ctx, q.AccountIDs)
		if err != nil {
			// Not an error of this read: without the accounts, the
			// server's own answer is read instead.
			return items, false, nil //nolint:nilerr // the caller reads the filtered listing from the API
		}
		if len(foreign) > 0 {
			return items, true, c.foreignAccountsError(ep, foreign)
		}
	}
	return mergeSelected([]S{all}, q), true, nil
}

// foreignAccountsError is the API's 403 for account ids not under the
// organization, for a read answered without asking the API.
func (c *Client) foreignAccountsError(ep endpoint, foreign []string) error {
	return &APIError{
		Kind: statusKind(http.StatusForbidden, false), StatusCode: http.StatusForbidden, Message: "Forbidden",
		Description:       "the accounts named are not under the organization (answered from the organization's accounts read in this run)",
		Method:            http.MethodGet,
		URL:               c.pageURL(ep, "", 1),
		ForeignAccountIDs: foreign,
	}
}
