package live

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Identity tells databases apart whatever the connection strings that
// reach them look like (localhost or 127.0.0.1, a URL or keyword/value, a
// socket or TCP), so that a target that is the source is refused.
type Identity struct {
	// SystemID is the cluster's system identifier from
	// pg_control_system(): a standby has its primary's, so a standby
	// source and its primary as target count as the same. 0 when the
	// function cannot be called (EXECUTE revoked, as some hosted services
	// do).
	SystemID uint64
	// Started is pg_postmaster_start_time(), which any role may read: when
	// SystemID is unknown on either side, the same start time (to the
	// microsecond) means the same server.
	Started     time.Time
	DatabaseOID uint32
	Database    string
}

// SameDatabase reports whether id and o may be the same database: the same
// cluster (by system identifier, or by start time when either lacks one)
// and the same database name or OID.
func (id Identity) SameDatabase(o Identity) bool {
	sameCluster := id.Started.Equal(o.Started)
	if id.SystemID != 0 && o.SystemID != 0 {
		sameCluster = id.SystemID == o.SystemID
	}
	return sameCluster && (id.Database == o.Database || id.DatabaseOID != 0 && id.DatabaseOID == o.DatabaseOID)
}

// readIdentity reads the identity of the database conn is connected to.
// It runs outside any transaction: a refused pg_control_system() must not
// abort one.
func readIdentity(ctx context.Context, conn *pgx.Conn) (Identity, error) {
	var id Identity
	err := conn.QueryRow(ctx, `SELECT pg_postmaster_start_time(), d.oid, d.datname
		FROM pg_database d WHERE d.datname = current_database()`).Scan(&id.Started, &id.DatabaseOID, &id.Database)
	if err != nil {
		return id, err
	}
	var sysid int64 // bigint on the server, unsigned in pg_control
	err = conn.QueryRow(ctx, "SELECT system_identifier FROM pg_control_system()").Scan(&sysid)
	switch sqlState(err) {
	case "":
		if err != nil {
			return id, err
		}
		id.SystemID = uint64(sysid)
	case "42501", "42883", "0A000": // insufficient_privilege, undefined_function, feature_not_supported
	default:
		return id, err
	}
	return id, nil
}
