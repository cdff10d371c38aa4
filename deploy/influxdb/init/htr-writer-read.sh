# Sourced (not run) by the influxdb:1.8 image's init script on the container's first start, after it made
# the database ($INFLUXDB_DB) and the users from INFLUXDB_ADMIN_USER, INFLUXDB_WRITE_USER and
# INFLUXDB_READ_USER; $INFLUX_CMD is its `influx … -username <admin> -password … -execute`.
# The image gives the writer WRITE only. The SCADA also reads its history back (trends, events, reports,
# the audit trail's anchor), so its user gets READ on the database as well. A GRANT replaces the user's
# privilege on the database (GRANT READ after GRANT WRITE leaves READ alone), so it is ALL ON the database:
# read and write on htr only, and still no admin (it cannot create databases, retention policies or
# continuous queries: htr-schema.iql makes those as the admin). `GRANT ALL PRIVILEGES TO …` (no ON) would
# make it an admin: not that.
: "${INFLUXDB_DB:?INFLUXDB_DB is not set}" "${INFLUXDB_WRITE_USER:?INFLUXDB_WRITE_USER is not set}"
$INFLUX_CMD "GRANT ALL ON \"$INFLUXDB_DB\" TO \"$INFLUXDB_WRITE_USER\""
