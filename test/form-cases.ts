// Encoding cases with the exact bytes the official `stripe` package writes for them.
export const FORM_CASES: Array<{ name: string; params: Record<string, unknown>; wire: string }> = [
  { name: 'flat strings', params: { display_name: 'Search API Calls', event_name: 'ai_search_api' }, wire: 'display_name=Search%20API%20Calls&event_name=ai_search_api' },
  {
    name: 'nested objects keep key order',
    params: { default_aggregation: { formula: 'sum' }, customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' } },
    wire: 'default_aggregation[formula]=sum&customer_mapping[type]=by_id&customer_mapping[event_payload_key]=stripe_customer_id',
  },
  { name: 'arrays are indexed', params: { expand: ['data', 'data.customer'] }, wire: 'expand[0]=data&expand[1]=data.customer' },
  { name: 'arrays of objects', params: { items: [{ a: 1 }, { a: 2, b: [true] }] }, wire: 'items[0][a]=1&items[1][a]=2&items[1][b][0]=true' },
  { name: 'null unsets a field', params: { display_name: null, x: { y: null } }, wire: 'display_name=&x[y]=' },
  { name: 'undefined is skipped', params: { a: undefined, b: 'x', c: { d: undefined }, e: [undefined, 'f'] }, wire: 'b=x&e[1]=f' },
  { name: 'Date is unix seconds', params: { timestamp: new Date(Date.UTC(2024, 2, 28, 0, 0, 0, 999)) }, wire: 'timestamp=1711584000' },
  { name: 'booleans', params: { a: true, b: false }, wire: 'a=true&b=false' },
  { name: 'numbers', params: { limit: 10, zero: 0, f: 1.5, n: -3 }, wire: 'limit=10&zero=0&f=1.5&n=-3' },
  { name: 'unicode values', params: { display_name: 'Café ☕ 日本' }, wire: 'display_name=Caf%C3%A9%20%E2%98%95%20%E6%97%A5%E6%9C%AC' },
  {
    name: 'reserved characters in values',
    params: { q: "a&b=c+d/e?f#g%h[i]!*()'~ ,;:@$" },
    wire: 'q=a%26b%3Dc%2Bd%2Fe%3Ff%23g%25h[i]%21%2A%28%29%27~%20%2C%3B%3A%40%24',
  },
  {
    name: 'unicode and reserved characters in keys',
    params: { payload: { 'clé id': 'x', 'a&b=c': 'y', 'k[0]': 'z' } },
    wire: 'payload[cl%C3%A9%20id]=x&payload[a%26b%3Dc]=y&payload[k[0]]=z',
  },
  {
    // Each on its own in an otherwise plain string: the quick scan for plain text must not let one through.
    name: 'every character next to the plain ranges, alone, is escaped',
    params: { a: '!', b: "'", c: '(', d: ')', e: '*', f: '\\', g: '@', h: '^', i: '`', j: '{', k: '/', l: ':', m: ' ', n: '|', o: '}', p: '"', q: '<', r: '>', s: 'az-AZ_09.~[]' },
    wire: 'a=%21&b=%27&c=%28&d=%29&e=%2A&f=%5C&g=%40&h=%5E&i=%60&j=%7B&k=%2F&l=%3A&m=%20&n=%7C&o=%7D&p=%22&q=%3C&r=%3E&s=az-AZ_09.~[]',
  },
  { name: 'empty objects and arrays send nothing', params: { payload: {}, expand: [], b: 1 }, wire: 'b=1' },
  { name: 'no params', params: {}, wire: '' },
  { name: 'integer-like keys come first (Object.keys order)', params: { b: 1, 2: 'x' }, wire: '2=x&b=1' },
  { name: 'empty string', params: { a: '' }, wire: 'a=' },
];
