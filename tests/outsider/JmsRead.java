// An outsider's JMS consumer for the ActiveMQ tests: the broker's own Java client (Debian's
// activemq-client, over OpenWire) reads N messages of a queue and prints each as one JSON line,
// as a JMS application sees it: its class, JMSType, JMSXGroupID, JMSCorrelationID, its string
// properties and its body (hex). Run as a single source file, no build step:
//   java -cp <jars> JmsRead.java tcp://127.0.0.1:PORT USER PASSWORD QUEUE N
import java.util.Enumeration;
import javax.jms.*;
import org.apache.activemq.ActiveMQConnectionFactory;

public class JmsRead {
    public static void main(String[] args) throws Exception {
        ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(args[1], args[2], args[0]);
        Connection connection = factory.createConnection();
        connection.start();
        Session session = connection.createSession(false, Session.CLIENT_ACKNOWLEDGE);
        MessageConsumer consumer = session.createConsumer(session.createQueue(args[3]));
        int n = Integer.parseInt(args[4]);
        for (int i = 0; i < n; i++) {
            Message m = consumer.receive(30000);
            if (m == null) {
                System.err.println("only " + i + " of " + n + " messages within 30 s");
                System.exit(2);
            }
            StringBuilder out = new StringBuilder("{");
            field(out, "class", m instanceof BytesMessage ? "BytesMessage"
                : m instanceof TextMessage ? "TextMessage" : m.getClass().getSimpleName());
            field(out, "JMSType", m.getJMSType());
            field(out, "JMSXGroupID", m.getStringProperty("JMSXGroupID"));
            field(out, "JMSCorrelationID", m.getJMSCorrelationID());
            field(out, "persistent", String.valueOf(m.getJMSDeliveryMode() == DeliveryMode.PERSISTENT));
            byte[] body;
            if (m instanceof BytesMessage) {
                BytesMessage b = (BytesMessage) m;
                body = new byte[(int) b.getBodyLength()];
                b.readBytes(body);
            } else {
                body = ((TextMessage) m).getText().getBytes("UTF-8");
            }
            StringBuilder hex = new StringBuilder();
            for (byte b : body) hex.append(String.format("%02x", b));
            field(out, "body", hex.toString());
            out.append("\"properties\":{");
            Enumeration<?> names = m.getPropertyNames();
            boolean first = true;
            while (names.hasMoreElements()) {
                String name = (String) names.nextElement();
                if (!first) out.append(',');
                first = false;
                out.append(quote(name)).append(':').append(quote(String.valueOf(m.getObjectProperty(name))));
            }
            out.append("}}");
            System.out.println(out);
            m.acknowledge();
        }
        connection.close();
    }

    static void field(StringBuilder out, String name, String value) {
        out.append(quote(name)).append(':').append(value == null ? "null" : quote(value)).append(',');
    }

    static String quote(String s) {
        StringBuilder q = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') q.append('\\').append(c);
            else if (c < 0x20) q.append(String.format("\\u%04x", (int) c));
            else q.append(c);
        }
        return q.append('"').toString();
    }
}
