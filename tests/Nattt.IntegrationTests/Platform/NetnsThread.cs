using System.Runtime.InteropServices;
using Nattt.Lab;

namespace Nattt.IntegrationTests.Platform;

/// <summary>
/// Runs code on a fresh thread that has joined a lab host's network namespace (setns), so that sockets it creates live
/// in that namespace. A socket keeps its namespace for life and may then be used from any thread; the thread itself
/// ends, so no thread of the test process stays in the namespace.
/// </summary>
internal static partial class NetnsThread
{
    private const int CloneNewNet = 0x40000000;

    public static T Run<T>(LabHost host, Func<T> action)
    {
        T? result = default;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle($"/run/netns/{host.Namespace}");
                if (SetNs((int)ns.DangerousGetHandle(), CloneNewNet) != 0)
                    throw new InvalidOperationException($"setns into {host.Namespace}: errno {Marshal.GetLastPInvokeError()}");
                result = action();
            }
            catch (Exception e) // carried to the calling thread and rethrown there, not swallowed
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null) throw new InvalidOperationException("in namespace " + host.Namespace, failure);
        return result!;
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}
