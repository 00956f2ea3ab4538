using System.Net;

namespace Nattt.Dns.Proxy;

/// <summary>Reads the <c>nameserver</c> lines of a resolv.conf (resolv.conf(5)).</summary>
public static class ResolvConf
{
    /// <summary>The nameservers of <paramref name="path"/> on port 53, without <paramref name="self"/> (the proxy
    /// must never forward to itself) and without scoped IPv6 addresses it cannot bind for. Empty if the file is missing.</summary>
    public static IReadOnlyList<IPEndPoint> ReadNameservers(string path, IPEndPoint? self = null)
    {
        if (!File.Exists(path)) return [];
        return Parse(File.ReadAllText(path), self);
    }

    public static IReadOnlyList<IPEndPoint> Parse(string text, IPEndPoint? self = null)
    {
        var result = new List<IPEndPoint>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Split('#', ';')[0].Trim();
            var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || parts[0] != "nameserver" || parts[1].Contains('%')) continue;
            if (!IPAddress.TryParse(parts[1], out var address)) continue;
            var endpoint = new IPEndPoint(address, 53);
            if (self is not null && endpoint.Equals(self)) continue;
            result.Add(endpoint);
        }
        return result;
    }
}
