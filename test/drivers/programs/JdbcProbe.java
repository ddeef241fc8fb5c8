/*
 * Drives pgjdbc (Debian's libpostgresql-jdbc-java) against a Tributary server, for test/drivers/jdbc.test.ts.
 * Run as a single-file source program: java -cp /usr/share/java/postgresql.jar JdbcProbe.java <host> <port>
 * Each step prints one JSON line {"step", "ok", "value"} or {"step", "ok": false, "sqlstate", "error"}; a failing
 * step does not stop the others, so the test reports every failure at once. The test owns the expected values.
 * The test creates drv_orders (id int not null, customer text, amount numeric(10,2), created_at timestamptz) with
 * rows (1,'a',10.00), (2,'b',200.00), the view drv_orders_v, the index drv_orders_id and drv_pk (id int, code text,
 * PRIMARY KEY (code, id)) before running this.
 */
import java.math.BigDecimal;
import java.sql.*;
import java.util.*;

public class JdbcProbe {
  interface Body { Object run() throws Exception; }

  static String url(String host, String port, String extra) {
    return "jdbc:postgresql://" + host + ":" + port + "/materialize?user=materialize&connectTimeout=10&socketTimeout=60" + extra;
  }

  static void step(String name, Body body) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("step", name);
    try {
      Object v = body.run();
      out.put("ok", true);
      out.put("value", v);
    } catch (SQLException e) {
      out.put("ok", false);
      out.put("sqlstate", e.getSQLState());
      out.put("error", String.valueOf(e.getMessage()));
    } catch (Throwable e) {
      out.put("ok", false);
      out.put("sqlstate", null);
      out.put("error", e.toString());
    }
    System.out.println(json(out));
    System.out.flush();
  }

  /** Rows as lists of getString values (null stays null), so the test compares text. */
  static List<List<String>> rows(ResultSet rs) throws SQLException {
    List<List<String>> out = new ArrayList<>();
    int n = rs.getMetaData().getColumnCount();
    while (rs.next()) {
      List<String> row = new ArrayList<>();
      for (int i = 1; i <= n; i++) row.add(rs.getString(i));
      out.add(row);
    }
    rs.close();
    return out;
  }

  /** Rows as maps keyed by column label, keeping only the named columns (metadata result sets are wide). */
  static List<Map<String, String>> rows(ResultSet rs, String... cols) throws SQLException {
    List<Map<String, String>> out = new ArrayList<>();
    while (rs.next()) {
      Map<String, String> row = new LinkedHashMap<>();
      for (String c : cols) row.put(c, rs.getString(c));
      out.add(row);
    }
    rs.close();
    return out;
  }

  static List<String> labels(ResultSetMetaData md) throws SQLException {
    List<String> out = new ArrayList<>();
    for (int i = 1; i <= md.getColumnCount(); i++) out.add(md.getColumnLabel(i));
    return out;
  }

  public static void main(String[] args) throws Exception {
    String host = args[0], port = args[1];
    Connection c = DriverManager.getConnection(url(host, port, ""));
    Statement st = c.createStatement();

    step("connect", () -> {
      DatabaseMetaData md = c.getMetaData();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("product", md.getDatabaseProductName());
      m.put("major", md.getDatabaseMajorVersion());
      m.put("minor", md.getDatabaseMinorVersion());
      m.put("isolation", c.getTransactionIsolation());
      m.put("catalog", c.getCatalog());
      m.put("schema", c.getSchema());
      return m;
    });

    step("simple-select", () -> rows(st.executeQuery("SELECT 1 AS one, 'x' AS two")));

    step("metadata-schemas", () -> rows(c.getMetaData().getSchemas(), "TABLE_SCHEM"));
    step("metadata-catalogs", () -> rows(c.getMetaData().getCatalogs(), "TABLE_CAT"));
    step("metadata-tables", () -> rows(c.getMetaData().getTables(null, "public", "drv_%", null), "TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE"));
    step("metadata-tables-types", () -> rows(c.getMetaData().getTables(null, "public", "drv_%", new String[] {"VIEW"}), "TABLE_NAME", "TABLE_TYPE"));
    step("metadata-columns", () -> rows(c.getMetaData().getColumns(null, "public", "drv_orders", null),
        "COLUMN_NAME", "DATA_TYPE", "TYPE_NAME", "COLUMN_SIZE", "DECIMAL_DIGITS", "NULLABLE", "ORDINAL_POSITION", "IS_NULLABLE", "IS_AUTOINCREMENT"));
    step("metadata-primary-keys", () -> rows(c.getMetaData().getPrimaryKeys(null, "public", "drv_orders"), "COLUMN_NAME", "KEY_SEQ"));
    step("metadata-primary-keys-pk", () -> rows(c.getMetaData().getPrimaryKeys(null, "public", "drv_pk"), "COLUMN_NAME", "KEY_SEQ", "PK_NAME"));
    step("metadata-index-info", () -> rows(c.getMetaData().getIndexInfo(null, "public", "drv_orders", false, false), "INDEX_NAME", "NON_UNIQUE", "ORDINAL_POSITION", "COLUMN_NAME"));
    step("metadata-imported-keys", () -> rows(c.getMetaData().getImportedKeys(null, "public", "drv_orders"), "FK_NAME"));
    step("metadata-type-info", () -> {
      List<Map<String, String>> all = rows(c.getMetaData().getTypeInfo(), "TYPE_NAME", "DATA_TYPE");
      List<Map<String, String>> some = new ArrayList<>();
      for (Map<String, String> r : all) {
        String t = r.get("TYPE_NAME");
        if (t.equals("int4") || t.equals("text") || t.equals("numeric") || t.equals("timestamptz") || t.equals("bool")) some.add(r);
      }
      return some;
    });
    step("metadata-procedures", () -> rows(c.getMetaData().getProcedures(null, "pg_catalog", "abs"), "PROCEDURE_NAME").size() >= 0);
    step("metadata-table-types", () -> rows(c.getMetaData().getTableTypes(), "TABLE_TYPE").size());

    step("resultset-metadata", () -> {
      ResultSet rs = st.executeQuery("SELECT id, customer, amount, created_at FROM drv_orders ORDER BY id");
      ResultSetMetaData md = rs.getMetaData();
      List<Map<String, Object>> cols = new ArrayList<>();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", md.getColumnName(i));
        m.put("type", md.getColumnTypeName(i));
        m.put("table", md.getTableName(i));
        m.put("nullable", md.isNullable(i));
        m.put("autoincrement", md.isAutoIncrement(i));
        m.put("precision", md.getPrecision(i));
        m.put("scale", md.getScale(i));
        cols.add(m);
      }
      rs.close();
      return cols;
    });

    // Parameters: pgjdbc sends int/numeric parameters in binary, strings as varchar (oid 1043).
    step("params-text", () -> {
      PreparedStatement ps = c.prepareStatement("SELECT id, customer, amount, created_at FROM drv_orders WHERE id = ?");
      List<Object> out = new ArrayList<>();
      // Six executions cross the default prepareThreshold (5): the 5th names the statement, the 6th asks for binary results.
      for (int i = 0; i < 6; i++) {
        ps.setInt(1, 1 + (i % 2));
        ResultSet rs = ps.executeQuery();
        rs.next();
        out.add(List.of(rs.getInt(1), rs.getString(2), rs.getBigDecimal(3).toPlainString(), rs.getTimestamp(4) != null));
        rs.close();
      }
      ps.close();
      return out;
    });
    step("params-mixed-types", () -> {
      PreparedStatement ps = c.prepareStatement("SELECT ?::text AS t, ?::numeric AS n, ? AS u, ?::int8 AS b, ?::bool AS f, ?::float8 AS d");
      ps.setString(1, "it's");
      ps.setBigDecimal(2, new BigDecimal("-12345.678900"));
      ps.setNull(3, Types.VARCHAR);
      ps.setLong(4, 9007199254740993L);
      ps.setBoolean(5, true);
      ps.setDouble(6, 0.5);
      ResultSet rs = ps.executeQuery();
      List<List<String>> r = rows(rs);
      ps.close();
      return r;
    });
    step("params-insert-batch", () -> {
      PreparedStatement ps = c.prepareStatement("INSERT INTO drv_orders (id, customer, amount, created_at) VALUES (?, ?, ?, ?)");
      for (int i = 10; i < 13; i++) {
        ps.setInt(1, i);
        ps.setString(2, "batch" + i);
        ps.setBigDecimal(3, new BigDecimal(i + ".50"));
        ps.setTimestamp(4, Timestamp.valueOf("2024-05-06 07:08:09.123456"));
        ps.addBatch();
      }
      int[] counts = ps.executeBatch();
      ps.close();
      List<Integer> out = new ArrayList<>();
      for (int n : counts) out.add(n);
      return out;
    });

    // prepareThreshold=-1: server-prepared from the first execution, binary results for every known type.
    step("params-binary", () -> {
      try (Connection b = DriverManager.getConnection(url(host, port, "&prepareThreshold=-1&binaryTransfer=true"))) {
        PreparedStatement ps = b.prepareStatement(
            "SELECT id, customer, amount, created_at, ?::int2 AS s, ?::float4 AS f, ?::date AS d, ?::bytea AS y, ?::uuid AS u, ARRAY[1,2,3] AS arr, ?::jsonb AS j FROM drv_orders WHERE id = ?");
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          ps.setShort(1, (short) 7);
          ps.setFloat(2, 1.25f);
          ps.setDate(3, java.sql.Date.valueOf("2024-02-29"));
          ps.setBytes(4, new byte[] {0, 1, (byte) 255});
          ps.setObject(5, UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
          ps.setString(6, "{\"k\": [1, 2]}");
          ps.setInt(7, 2);
          ResultSet rs = ps.executeQuery();
          rs.next();
          Array arr = rs.getArray(10);
          Integer[] ints = (Integer[]) arr.getArray();
          byte[] bytes = rs.getBytes(8);
          out.add(List.of(rs.getInt(1), rs.getString(2), rs.getBigDecimal(3).toPlainString(), rs.getTimestamp(4) != null, rs.getShort(5),
              rs.getFloat(6), rs.getDate(7).toString(), bytes.length + ":" + (bytes[2] & 0xff), rs.getObject(9).toString(), Arrays.asList(ints), rs.getString(11)));
          rs.close();
        }
        ps.close();
        return out;
      }
    });

    step("transaction-commit-rollback", () -> {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.executeUpdate("INSERT INTO drv_orders (id, customer) VALUES (20, 'tx')");
        c.rollback();
        s.executeUpdate("INSERT INTO drv_orders (id, customer) VALUES (21, 'tx')");
        c.commit();
        c.setAutoCommit(true);
        return rows(s.executeQuery("SELECT id FROM drv_orders WHERE customer = 'tx' ORDER BY id"));
      } finally {
        c.setAutoCommit(true);
      }
    });

    step("fetch-size-portal", () -> {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.setFetchSize(2);
        List<List<String>> r = rows(s.executeQuery("SELECT id FROM drv_orders ORDER BY id"));
        c.commit();
        return r;
      } finally {
        c.setAutoCommit(true);
      }
    });

    step("read-only-serializable", () -> {
      c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
      c.setReadOnly(true);
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        List<List<String>> r = rows(s.executeQuery("SELECT count(*) FROM drv_orders"));
        c.commit();
        return r;
      } finally {
        c.setAutoCommit(true);
        c.setReadOnly(false);
      }
    });

    step("error-then-usable", () -> {
      String state = null;
      try {
        st.executeQuery("SELECT * FROM drv_missing");
      } catch (SQLException e) {
        state = e.getSQLState();
      }
      String state2 = null;
      try (PreparedStatement ps = c.prepareStatement("SELECT 1/?")) {
        ps.setInt(1, 0);
        ps.executeQuery();
      } catch (SQLException e) {
        state2 = e.getSQLState();
      }
      return List.of(String.valueOf(state), String.valueOf(state2), rows(st.executeQuery("SELECT 2")).get(0).get(0));
    });

    step("error-in-transaction", () -> {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        String state = null;
        try {
          s.executeQuery("SELECT * FROM drv_missing");
        } catch (SQLException e) {
          state = e.getSQLState();
        }
        String after = null;
        try {
          s.executeQuery("SELECT 1");
        } catch (SQLException e) {
          after = e.getSQLState();
        }
        c.rollback();
        return List.of(String.valueOf(state), String.valueOf(after), rows(s.executeQuery("SELECT 3")).get(0).get(0));
      } finally {
        c.rollback();
        c.setAutoCommit(true);
      }
    });

    // SUBSCRIBE through DECLARE/FETCH, as Materialize's docs show for pgjdbc (clients.md section 6).
    step("subscribe-declare-fetch", () -> {
      try (Connection w = DriverManager.getConnection(url(host, port, "")); Statement s = c.createStatement(); Statement ws = w.createStatement()) {
        s.execute("BEGIN");
        s.execute("DECLARE c CURSOR FOR SUBSCRIBE (SELECT id, customer FROM drv_orders WHERE id < 3)");
        List<List<String>> snapshot = rows(s.executeQuery("FETCH ALL c"));
        ws.executeUpdate("INSERT INTO drv_orders (id, customer) VALUES (0, 'live')");
        List<List<String>> live = rows(s.executeQuery("FETCH ALL c"));
        List<List<String>> none = rows(s.executeQuery("FETCH ALL c WITH (timeout = '0s')"));
        s.execute("COMMIT");
        List<Object> out = new ArrayList<>();
        for (List<List<String>> part : List.of(snapshot, live)) {
          List<List<String>> trimmed = new ArrayList<>();
          for (List<String> r : part) trimmed.add(r.subList(1, r.size()));
          trimmed.sort(Comparator.comparing(Object::toString));
          out.add(trimmed);
        }
        out.add(none.size());
        out.add(snapshot.isEmpty() ? "" : snapshot.get(0).get(0).matches("\\d+") ? "numeric-ts" : snapshot.get(0).get(0));
        return out;
      }
    });

    // autocommit off + fetch size: FETCH ALL runs in a named portal with Execute maxRows and PortalSuspended.
    step("subscribe-fetch-size", () -> {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("DECLARE c CURSOR FOR SUBSCRIBE (SELECT id FROM drv_orders WHERE id >= 10 AND id < 13)");
        s.setFetchSize(1);
        List<List<String>> r = rows(s.executeQuery("FETCH ALL c WITH (timeout = '1s')"));
        List<String> ids = new ArrayList<>();
        for (List<String> row : r) ids.add(row.get(1) + "/" + row.get(2));
        Collections.sort(ids);
        c.commit();
        return ids;
      } finally {
        c.rollback();
        c.setAutoCommit(true);
      }
    });

    // The pg_type lookups pgjdbc makes for result types outside its built-in table.
    step("unknown-type-lookup", () -> {
      ResultSet rs = st.executeQuery("SELECT ARRAY['a','b']::text[] AS arr, '{\"a\":1}'::jsonb AS j, interval '1 day' AS iv");
      rs.next();
      Array a = rs.getArray(1);
      List<Object> out = List.of(Arrays.asList((Object[]) a.getArray()), rs.getString(2), rs.getString(3), rs.getMetaData().getColumnTypeName(1));
      rs.close();
      return out;
    });

    st.close();
    c.close();
  }

  static String json(Object v) {
    if (v == null) return "null";
    if (v instanceof String s) return quote(s);
    if (v instanceof Boolean || v instanceof Integer || v instanceof Long || v instanceof Short) return v.toString();
    if (v instanceof Number n) return quote(n.toString());
    if (v instanceof Map<?, ?> m) {
      StringBuilder b = new StringBuilder("{");
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (b.length() > 1) b.append(',');
        b.append(quote(String.valueOf(e.getKey()))).append(':').append(json(e.getValue()));
      }
      return b.append('}').toString();
    }
    if (v instanceof Collection<?> c) {
      StringBuilder b = new StringBuilder("[");
      for (Object o : c) {
        if (b.length() > 1) b.append(',');
        b.append(json(o));
      }
      return b.append(']').toString();
    }
    return quote(v.toString());
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
          else b.append(ch);
        }
      }
    }
    return b.append('"').toString();
  }
}
