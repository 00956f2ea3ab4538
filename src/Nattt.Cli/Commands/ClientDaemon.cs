using System.Net;
using Microsoft.Extensions.Logging;
using Nattt.Dns.Capture;
using Nattt.Dns.Proxy;
using Nattt.Tunnel;

namespace Nattt.Cli.Commands;

/// <summary>How the client daemon captures the host's DNS.</summary>
internal enum DnsCapture { None, ResolvConf, Nft }

/// <summary>
/// natttd as the paper draws it (figure 4): the client data plane plus its DNS proxy, which allocates stand-ins in the
/// data plane's table, and optionally the capture of the host's DNS. Stops in the reverse order of starting, so the
/// host's DNS is never pointed at a proxy that is gone.
/// </summary>
internal sealed class ClientDaemon : IAsyncDisposable
{
    private readonly ClientHost _host;
    private DnsProxyHost? _dns;
    private ResolvConfCapture? _resolv;
    private NftRedirectCapture? _nft;

    private ClientDaemon(ClientHost host) => _host = host;

    public static async Task<ClientDaemon> StartAsync(ClientOptions options, DnsProxyOptions? dns, DnsCapture capture,
        bool forceResolvConf, ILoggerFactory loggers)
    {
        var host = new ClientHost(options, loggers, TimeProvider.System);
        host.Start();
        var daemon = new ClientDaemon(host);
        if (dns is null) return daemon;
        try
        {
            dns.Validate();
            if (capture == DnsCapture.ResolvConf)
            {
                daemon._resolv = new ResolvConfCapture(dns.ResolvConfPath);
                var original = daemon._resolv.Install(dns.Listen.Address, forceResolvConf);
                if (dns.Upstreams.Count == 0) dns = dns with { Upstreams = original };
            }
            daemon._dns = await DnsProxyHost.StartAsync(dns, host.Mappings, TimeProvider.System, loggers.CreateLogger("nattt.dns"));
            if (capture == DnsCapture.Nft)
            {
                daemon._nft = new NftRedirectCapture();
                daemon._nft.Install(dns.Listen, dns.UpstreamSocketMark);
            }
            var proxy = daemon._dns;
            host.AddStatusSection(() => new Dictionary<string, object?>
            {
                ["dns_listen"] = dns.Listen.ToString(),
                ["dns_capture"] = capture.ToString().ToLowerInvariant(),
                ["dns_counters"] = proxy.Counters.Snapshot().ToDictionary(kv => kv.Key, kv => kv.Value),
            });
        }
        catch
        {
            await daemon.DisposeAsync(); // nothing half-installed stays behind
            throw;
        }
        return daemon;
    }

    public async ValueTask DisposeAsync()
    {
        _nft?.Uninstall();
        _resolv?.Uninstall();
        if (_dns is not null) await _dns.DisposeAsync();
        await _host.DisposeAsync();
    }
}
